// The calendar moved to core, where the ingestor's alert rules read it too.
export { isHoliday, isWorkingDay } from '../../core/holidays.ts';
