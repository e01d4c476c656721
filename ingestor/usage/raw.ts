import type { MeasurementKey } from '../../core/index.ts';
import { READING_MEASUREMENT } from '../store/points.ts';
import { ql, type InfluxClient } from '../store/influx.ts';
import type { CounterPoint } from './counter.ts';

const where = (site: string, meter: string) => `"site" = ${ql(site)} AND "meter" = ${ql(meter)}`;

const points = (values: unknown[][] | undefined): CounterPoint[] =>
  (values ?? []).filter((v) => typeof v[1] === 'number').map((v) => ({ ts: v[0] as number, value: v[1] as number }));

/** The last stored counter reading strictly before `ts`. */
export async function lastReadingBefore(influx: InfluxClient, site: string, meter: string, field: MeasurementKey, ts: number): Promise<CounterPoint | undefined> {
  const [series] = await influx.query(`SELECT "${field}" FROM "${READING_MEASUREMENT}" WHERE ${where(site, meter)} AND time < ${ts}ms ORDER BY time DESC LIMIT 1`);
  return points(series?.[0]?.values)[0];
}

/**
 * Stored counter readings from `ts` to `upTo` (inclusive), in time order, a page at a time:
 * re-deriving a meter after a multi-year backfill reads hundreds of thousands of readings, never
 * all at once.
 */
export async function* readingPages(influx: InfluxClient, site: string, meter: string, field: MeasurementKey, ts: number, upTo = Infinity, pageSize = 10_000): AsyncGenerator<CounterPoint[]> {
  let cursor = ts;
  const until = Number.isFinite(upTo) ? ` AND time <= ${upTo}ms` : '';
  for (;;) {
    const [series] = await influx.query(`SELECT "${field}" FROM "${READING_MEASUREMENT}" WHERE ${where(site, meter)} AND time >= ${cursor}ms${until} ORDER BY time ASC LIMIT ${pageSize}`);
    const page = points(series?.[0]?.values);
    if (page.length) yield page;
    if (page.length < pageSize) return;
    cursor = page[page.length - 1]!.ts + 1;
  }
}

/** Sums of a meter's stored 15-minute usage in [from, to) for each range, in one request. */
export async function usageSums(influx: InfluxClient, measurement: string, site: string, meter: string, ranges: readonly { from: number; to: number }[]): Promise<{ value: number; estimated: number; measuredMs: number }[]> {
  if (!ranges.length) return [];
  const results = await influx.query(ranges.map((r) => `SELECT sum("value"), sum("estimated"), sum("measured_s") FROM "${measurement}" WHERE ${where(site, meter)} AND time >= ${r.from}ms AND time < ${r.to}ms`).join('; '));
  return ranges.map((_, i) => {
    const row = results[i]?.[0]?.values?.[0] ?? [];
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    return { value: n(row[1]), estimated: n(row[2]), measuredMs: n(row[3]) * 1000 };
  });
}
