import { DEFAULT_UTC_OFFSET, MINUTE_MS, parseUtcOffset } from './buckets.ts';
import type { UsageFlag, UsageInterval } from './counter.ts';

export type RollupPeriod = 'hour' | 'day' | 'month' | 'year';

export interface RollupRow {
  /** Epoch ms of the period's start, in the site's local time. */
  start: number;
  /** Local calendar label: '2024-03-01T08' (hour), '2024-03-01', '2024-03', '2024'. */
  label: string;
  value: number;
  /** Buckets summed into this row. */
  buckets: number;
  flags?: UsageFlag[];
}

/**
 * Sums interval usage into hours, days, months or years of the site's local calendar. Each bucket
 * goes to the period its start falls in; with 15-minute buckets and a whole- or quarter-hour offset
 * no bucket straddles two periods.
 */
export function rollup(intervals: readonly UsageInterval[], period: RollupPeriod, utcOffset: string | number = DEFAULT_UTC_OFFSET): RollupRow[] {
  const offsetMs = parseUtcOffset(utcOffset) * MINUTE_MS;
  const rows = new Map<number, { label: string; value: number; buckets: number; flags: Set<UsageFlag> }>();
  for (const iv of intervals) {
    const { start, label } = periodOf(iv.bucketStart, period, offsetMs);
    let row = rows.get(start);
    if (!row) rows.set(start, (row = { label, value: 0, buckets: 0, flags: new Set() }));
    row.value += iv.value;
    row.buckets++;
    for (const f of iv.flags ?? []) row.flags.add(f);
  }
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([start, r]) => {
    const out: RollupRow = { start, label: r.label, value: r.value, buckets: r.buckets };
    if (r.flags.size) out.flags = [...r.flags];
    return out;
  });
}

export const rollupHourly = (iv: readonly UsageInterval[], utcOffset?: string | number) => rollup(iv, 'hour', utcOffset);
export const rollupDaily = (iv: readonly UsageInterval[], utcOffset?: string | number) => rollup(iv, 'day', utcOffset);
export const rollupMonthly = (iv: readonly UsageInterval[], utcOffset?: string | number) => rollup(iv, 'month', utcOffset);
export const rollupYearly = (iv: readonly UsageInterval[], utcOffset?: string | number) => rollup(iv, 'year', utcOffset);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The local period containing `ts`; the Date is read in UTC after shifting by the offset. */
export function periodOf(ts: number, period: RollupPeriod, offsetMs: number): { start: number; label: string } {
  const local = new Date(ts + offsetMs);
  const y = local.getUTCFullYear();
  const mo = local.getUTCMonth();
  const d = local.getUTCDate();
  switch (period) {
    case 'hour': {
      const h = local.getUTCHours();
      return { start: Date.UTC(y, mo, d, h) - offsetMs, label: `${y}-${pad(mo + 1)}-${pad(d)}T${pad(h)}` };
    }
    case 'day':
      return { start: Date.UTC(y, mo, d) - offsetMs, label: `${y}-${pad(mo + 1)}-${pad(d)}` };
    case 'month':
      return { start: Date.UTC(y, mo, 1) - offsetMs, label: `${y}-${pad(mo + 1)}` };
    case 'year':
      return { start: Date.UTC(y, 0, 1) - offsetMs, label: String(y) };
  }
}

/** Epoch-ms bounds [from, to) of a local calendar year, e.g. for querying a reporting year. */
export function localYearBounds(year: number, utcOffset: string | number = DEFAULT_UTC_OFFSET): { from: number; to: number } {
  const offsetMs = parseUtcOffset(utcOffset) * MINUTE_MS;
  return { from: Date.UTC(year, 0, 1) - offsetMs, to: Date.UTC(year + 1, 0, 1) - offsetMs };
}
