export { ALARM_DISK_FULL, ALARM_DROPPED } from './journal.ts';
export { openJournal } from './open.ts';
export type { Journal, JournalOptions, JournalRecord, JournalStats } from './types.ts';
