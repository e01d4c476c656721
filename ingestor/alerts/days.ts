import { isWorkingDay } from '../../core/holidays.ts';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Local hours 00:00–05:00 are the night the night rules look at. */
export const NIGHT_HOURS = 5;

/** Local days (days since 1970-01-01 in site time) and their epoch bounds, at a fixed UTC offset. */
export class LocalCalendar {
  constructor(readonly offsetMs: number) {}

  day(t: number): number {
    return Math.floor((t + this.offsetMs) / DAY);
  }

  /** Epoch ms of the local midnight that starts `day`. */
  start(day: number): number {
    return day * DAY - this.offsetMs;
  }

  working(day: number): boolean {
    return isWorkingDay(day);
  }

  /** The last night (00:00–05:00) wholly before `now`: today's once it is past 05:00, else yesterday's. */
  lastNight(now: number): number {
    const today = this.day(now);
    return now >= this.start(today) + NIGHT_HOURS * HOUR ? today : today - 1;
  }

  iso(day: number): string {
    return new Date(day * DAY).toISOString().slice(0, 10);
  }
}
