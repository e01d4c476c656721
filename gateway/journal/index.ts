export { ALARM_DISK_FULL, ALARM_DROPPED, openJournal } from './journal.ts';
export type { Journal, JournalOptions, JournalRecord, JournalStats } from './types.ts';
