import type { Period } from '../indicators/period.ts';
import type { MeterTotal } from '../indicators/quantities.ts';
import { ql, type InfluxClient } from '../store/influx.ts';
import { USAGE_1D, USAGE_1MO } from '../usage/lines.ts';
import { meterRow, usageTagsOf } from './meter-row.ts';
import type { MonthTotals } from './month-totals.ts';

const TAGS = ['building', 'kind', 'meter', 'role', 'zone', 'end_use', 'facility'];

/**
 * Per-meter totals for each period: one InfluxQL statement per period over the monthly rollups
 * (whole months) or the daily ones, grouped by tags, so a year of 1,000 meters reads 12 points per
 * meter and answers 1,000 rows rather than one query per meter. One request per period, in parallel: influxd runs the
 * statements of one request one after the other, and a year and its base year then take the
 * time of one (test/bench/query.bench.ts).
 */
export async function meterTotals(influx: InfluxClient, site: string, periods: readonly Period[]): Promise<MeterTotal[][]> {
  if (!periods.length) return [];
  const results = await Promise.all(periods.map(async (p) => {
    const [series] = await influx.query(`SELECT sum("value"), sum("measured_s") FROM "${p.wholeMonths ? USAGE_1MO : USAGE_1D}" WHERE "site" = ${ql(site)} AND time >= ${p.from}ms AND time < ${p.to}ms GROUP BY ${TAGS.map((t) => `"${t}"`).join(', ')}`);
    return series;
  }));
  return periods.map((_, i) => (results[i] ?? []).map((s): MeterTotal => ({
    ...meterRow(usageTagsOf(site, s.tags ?? {})),
    quantity: (s.values[0]?.[1] as number | null) ?? 0,
    measuredMs: ((s.values[0]?.[2] as number | null) ?? 0) * 1000,
  })));
}

/** What changed usage since a point in time: a generation per site and local month start. */
export interface UsageChanges {
  /** The newest generation of any month of `site` overlapping [from, to). */
  generation(site: string, from: number, to: number): number;
}

/**
 * meterTotals with the answers kept: annual indicators of 1,000 meters cost influxd a quarter of a
 * second per period (one iterator per series and field), and the dashboard asks for the same closed
 * years again and again. An answer is used while no usage of its site was written in its months
 * since (the usage service bumps a month's generation after each write lands) and for at most
 * maxAgeMs, so usage written by other means shows within that. Bounded to `maxEntries` answers.
 */
export class TotalsCache {
  private readonly entries = new Map<string, { at: number; gen: number; rows: MeterTotal[] }>();

  constructor(
    private readonly influx: InfluxClient,
    private readonly changes: UsageChanges,
    private readonly opts: { maxEntries?: number; maxAgeMs?: number; now?: () => number; months?: MonthTotals } = {},
  ) {}

  async totals(site: string, periods: readonly Period[]): Promise<MeterTotal[][]> {
    const now = (this.opts.now ?? Date.now)();
    const maxAge = this.opts.maxAgeMs ?? 10 * 60_000;
    const out: (MeterTotal[] | undefined)[] = periods.map((p) => {
      // Whole months are summed from the in-memory monthly totals once they are loaded.
      const summed = this.opts.months?.totals(site, p);
      if (summed) return summed;
      const e = this.entries.get(this.key(site, p));
      if (!e || now - e.at > maxAge || this.changes.generation(site, p.from, p.to) !== e.gen) return undefined;
      // Most recently used last, for the eviction below.
      this.entries.delete(this.key(site, p));
      this.entries.set(this.key(site, p), e);
      return e.rows;
    });
    const missing = periods.filter((_, i) => !out[i]);
    if (missing.length) {
      // The generation is taken before the query: a write landing meanwhile makes the entry stale, never wrong.
      const gens = missing.map((p) => this.changes.generation(site, p.from, p.to));
      const rows = await meterTotals(this.influx, site, missing);
      missing.forEach((p, i) => {
        this.entries.set(this.key(site, p), { at: now, gen: gens[i]!, rows: rows[i]! });
        out[periods.indexOf(p)] = rows[i]!;
      });
      const max = this.opts.maxEntries ?? 256;
      for (const k of this.entries.keys()) {
        if (this.entries.size <= max) break;
        this.entries.delete(k);
      }
    }
    return out as MeterTotal[][];
  }

  private key(site: string, p: Period): string {
    return `${site}|${p.from}|${p.to}|${p.wholeMonths ? 'mo' : 'd'}`;
  }
}
