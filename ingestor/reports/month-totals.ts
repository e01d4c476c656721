import type { Period } from '../indicators/period.ts';
import type { MeterTotal } from '../indicators/quantities.ts';
import { ql, type InfluxClient } from '../store/influx.ts';
import { USAGE_1MO, usageSeries, type UsageFigures, type UsageTags } from '../usage/lines.ts';
import { meterRow, usageTagsOf, type MeterRow } from './meter-row.ts';

interface SeriesMonths {
  row: MeterRow;
  /** Local month start → [value, measured seconds], as stored in usage_1mo. */
  months: Map<number, [number, number]>;
}

export interface MonthTotalsStats {
  state: 'empty' | 'loading' | 'ready' | 'failed';
  series: number;
  months: number;
  loadedAt: number | null;
  loadSeconds: number | null;
}

/**
 * Every meter's monthly usage totals (the usage_1mo points), kept in memory so that annual and
 * monthly indicators over whole months need no InfluxDB query. A year's indicators for 1,000
 * meters cost influxd 100–300 ms per period the first time they are asked (one iterator per series
 * and field, test/bench/query.bench.ts); summed here they cost well under a millisecond.
 *
 * The usage service is the only writer of usage_1mo and reports each month point once its write
 * has landed (record()), so this holds what InfluxDB holds. It is loaded from InfluxDB when the
 * ingestor starts and reloaded every `refreshMs`, so points written by other means (a restore, a
 * hand fix) show within that. Until the first load completes, or when it fails, callers fall back
 * to querying InfluxDB. Size: one entry per meter and month of history, e.g. 1,000 meters × 10
 * years = 120,000 entries, about 15 MB.
 */
export class MonthTotals {
  private sites = new Map<string, Map<string, SeriesMonths>>();
  private state: MonthTotalsStats['state'] = 'empty';
  private loadedAt: number | null = null;
  private loadSeconds: number | null = null;
  /** Points recorded while a load runs, replayed over its result so none is lost to the older copy. */
  private during: [UsageTags, number, UsageFigures][] | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly influx: InfluxClient, private readonly opts: { refreshMs?: number; now?: () => number; onError?: (err: Error) => void } = {}) {}

  get ready(): boolean {
    return this.state === 'ready';
  }

  stats(): MonthTotalsStats {
    let series = 0;
    let months = 0;
    for (const site of this.sites.values()) {
      series += site.size;
      for (const s of site.values()) months += s.months.size;
    }
    return { state: this.state, series, months, loadedAt: this.loadedAt, loadSeconds: this.loadSeconds };
  }

  /** A month point of `meter` whose write has landed. */
  record(meter: UsageTags, monthStart: number, f: UsageFigures): void {
    this.during?.push([meter, monthStart, f]);
    this.put(this.sites, meter, monthStart, f);
  }

  /** Loads now, then every refreshMs; errors leave the previous copy in use (or none, at first). */
  start(): Promise<void> {
    const first = this.load();
    const every = this.opts.refreshMs ?? 10 * 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.load(), every);
      this.timer.unref();
    }
    return first;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads every usage_1mo point, site by site. */
  async load(): Promise<void> {
    if (this.during) return;
    const now = this.opts.now ?? Date.now;
    const t0 = performance.now();
    if (this.state !== 'ready') this.state = 'loading';
    this.during = [];
    try {
      const next = new Map<string, Map<string, SeriesMonths>>();
      const [siteTags] = await this.influx.query(`SHOW TAG VALUES FROM "${USAGE_1MO}" WITH KEY = "site"`);
      const sites = (siteTags?.[0]?.values ?? []).map((v) => String(v[1]));
      for (const site of sites) {
        const [series] = await this.influx.query(`SELECT "value", "measured_s" FROM "${USAGE_1MO}" WHERE "site" = ${ql(site)} GROUP BY *`);
        for (const s of series ?? []) {
          if ((s as { partial?: boolean }).partial) throw new Error(`InfluxDB cut the answer for site ${site} short (max-row-limit): monthly totals are read per query instead`);
          const tags = usageTagsOf(site, s.tags ?? {});
          for (const v of s.values) this.put(next, tags, Number(v[0]), { value: Number(v[1] ?? 0), estimated: 0, measuredMs: Number(v[2] ?? 0) * 1000 });
        }
      }
      for (const [m, start, f] of this.during) this.put(next, m, start, f);
      this.sites = next;
      this.state = 'ready';
      this.loadedAt = now();
      this.loadSeconds = (performance.now() - t0) / 1000;
    } catch (err) {
      if (this.state !== 'ready') this.state = 'failed';
      this.opts.onError?.(err as Error);
    } finally {
      this.during = null;
    }
  }

  /** Per-meter totals of a period of whole local months, as meterTotals reads them; null when not ready. */
  totals(site: string, p: Period): MeterTotal[] | null {
    if (this.state !== 'ready' || !p.wholeMonths) return null;
    const out: MeterTotal[] = [];
    for (const s of this.sites.get(site)?.values() ?? []) {
      let quantity = 0;
      let measuredS = 0;
      let any = false;
      for (const [start, [v, m]] of s.months) {
        if (start < p.from || start >= p.to) continue;
        quantity += v;
        measuredS += m;
        any = true;
      }
      // Like InfluxDB's GROUP BY: a series with no point in the period is not in the answer.
      if (any) out.push({ ...s.row, quantity, measuredMs: measuredS * 1000 });
    }
    return out;
  }

  private put(into: Map<string, Map<string, SeriesMonths>>, meter: UsageTags, monthStart: number, f: UsageFigures): void {
    let site = into.get(meter.site);
    if (!site) into.set(meter.site, (site = new Map()));
    const key = usageSeries(meter);
    let s = site.get(key);
    if (!s) site.set(key, (s = { row: meterRow(meter), months: new Map() }));
    // As usageLine stores them: measured seconds rounded, non-finite values as 0.
    s.months.set(monthStart, [Number.isFinite(f.value) ? f.value : 0, Math.round((Number.isFinite(f.measuredMs) ? f.measuredMs : 0) / 1000)]);
  }
}

/** The monthly totals' state in Prometheus text format, appended to /metrics. */
export function monthTotalsMetrics(st: MonthTotalsStats): string {
  const lines: string[] = [];
  const metric = (name: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
  metric('zm_usage_month_totals_ready', 'Whether whole-month indicators are summed in memory (1) or read from InfluxDB per request (0: loading or failed).', st.state === 'ready' ? 1 : 0);
  metric('zm_usage_month_totals_series', 'Usage series held in the in-memory monthly totals.', st.series);
  metric('zm_usage_month_totals_months', 'Meter-months held in the in-memory monthly totals.', st.months);
  metric('zm_usage_month_totals_load_seconds', 'How long the last load of the monthly totals from InfluxDB took.', st.loadSeconds ?? 0);
  return `${lines.join('\n')}\n`;
}
