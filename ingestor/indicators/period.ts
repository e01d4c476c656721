import type { LocalPeriod } from '../../core/api.ts';
import { MINUTE_MS, parseUtcOffset } from '../usage/buckets.ts';
import { yearPeriod } from '../registry/lookup.ts';

/** Epoch-ms bounds of a period, as the rollups are read for it. */
export interface Period {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Both bounds are local month starts: the monthly rollups answer, 12 points per meter and year. */
  wholeMonths?: boolean;
}

export type { LocalPeriod };

export interface PeriodRequest {
  year?: number;
  from?: string;
  to?: string;
  ytd?: boolean;
  /** Year-to-date through this month; default: the last month completed by `now`. */
  through?: number;
}

const localToday = (now: number, offsetMin: number) => new Date(now + offsetMin * MINUTE_MS).toISOString().slice(0, 10);

export function resolvePeriod(req: PeriodRequest, utcOffset: string, now: number): LocalPeriod {
  if (req.from || req.to) {
    if (!req.from || !req.to || !(req.to > req.from)) throw new RangeError('give both from and to (YYYY-MM-DD), to after from');
    return { from: req.from, to: req.to, year: Number(req.from.slice(0, 4)), months: null };
  }
  const today = localToday(now, parseUtcOffset(utcOffset));
  const year = req.year ?? Number(today.slice(0, 4));
  if (!req.ytd) return { ...yearPeriod(year), year, months: 12 };
  const sameYear = year === Number(today.slice(0, 4));
  const months = req.through ?? (sameYear ? Math.max(1, Number(today.slice(5, 7)) - 1) : 12);
  return { ...yearPeriod(year, months), year, months };
}

/** The same dates in another year (29 February becomes 1 March where that year has none). */
export function shiftPeriod(p: LocalPeriod, year: number): LocalPeriod {
  const move = (d: string) => {
    const y = Number(d.slice(0, 4)) + (year - p.year);
    const t = new Date(Date.UTC(y, Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))));
    return t.toISOString().slice(0, 10);
  };
  return { from: move(p.from), to: move(p.to), year, months: p.months };
}

/** Epoch-ms bounds of local dates, for querying the rollups. */
export function epochBounds(p: LocalPeriod, utcOffset: string): Period {
  const off = parseUtcOffset(utcOffset) * MINUTE_MS;
  return { from: Date.parse(`${p.from}T00:00:00Z`) - off, to: Date.parse(`${p.to}T00:00:00Z`) - off, wholeMonths: p.from.endsWith('-01') && p.to.endsWith('-01') };
}
