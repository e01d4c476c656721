import type { Logger } from 'pino';
import { USAGE_COUNTER, type MeasurementKey, type Replacement } from '../../core/index.ts';
import type { Directory, KnownMeter } from '../ingest/directory.ts';
import type { StoredReading } from '../ingest/pipeline.ts';
import type { InfluxClient } from '../store/influx.ts';
import { HOUR_MS, DAY_MS, bucketStartOf } from './buckets.ts';
import { computeUsage, type CounterPoint, type CounterState, type UsageOptions } from './counter.ts';
import { USAGE_15M, USAGE_1D, USAGE_1H, usageLine, usageSeries } from './lines.ts';
import { lastReadingBefore, readingsFrom, usageBuckets } from './raw.ts';
import { periodOf } from './rollup.ts';
import { UsageStateStore, type MeterUsageState } from './state-store.ts';

const WRITE_SLICE = 5000;

export interface UsageServiceOptions {
  dataDir: string;
  /** Hours the sites' local day is ahead of UTC: daily rollups are local days. */
  utcOffsetHours: number;
  /** Where a model's counter register wraps to 0, by model and measurement. */
  rollover?: Readonly<Record<string, Partial<Record<MeasurementKey, number>>>>;
  saveDelayMs?: number;
}

export interface UsageSink {
  write(lines: string[]): Promise<void>;
}

/**
 * Derives usage from the counters of stored readings and writes it as `usage` (15 min),
 * `usage_1h` and `usage_1d` (local days). Every point carries its interval's total so far, so
 * writing it again as the interval fills overwrites the same InfluxDB point.
 *
 * Order: readings newer than a meter's carried state go through computeUsage with that state.
 * A reading at or before it (a backlog replayed after live data, or a replacement record that
 * arrives late) makes the service re-derive the meter from the raw readings InfluxDB already
 * holds: from the last reading before the start of the bucket the late reading lands in, to the
 * newest. Raw readings are the truth; usage is a view of them that can always be rebuilt.
 */
export class UsageService {
  readonly counters = { readings: 0, rederived: 0, points: 0, errors: 0 };
  private queue: StoredReading[][] = [];
  private running: Promise<void> | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private readonly store: UsageStateStore;
  private readonly offsetMs: number;

  constructor(
    private readonly influx: InfluxClient,
    private readonly sink: UsageSink,
    private readonly directory: Directory,
    private readonly log: Logger,
    private readonly opts: UsageServiceOptions,
  ) {
    this.store = new UsageStateStore(opts.dataDir, log);
    this.offsetMs = Math.round(opts.utcOffsetHours * HOUR_MS);
  }

  /** Takes readings InfluxDB accepted; work is queued and done one round at a time, in arrival order. */
  onStored(stored: StoredReading[]): void {
    this.queue.push(stored);
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (this.queue.length) this.onStored([]);
    });
  }

  /** Resolves when everything queued so far is written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    await this.idle();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.store.save();
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const byMeter = new Map<string, { meter: KnownMeter; points: CounterPoint[] }>();
      for (const group of this.queue.splice(0)) {
        for (const { reading, meter } of group) {
          const field = USAGE_COUNTER[meter.kind];
          const value = field ? reading.values[field] : undefined;
          if (value === undefined) continue;
          const key = `${meter.site}/${meter.id}`;
          let entry = byMeter.get(key);
          if (!entry) byMeter.set(key, (entry = { meter, points: [] }));
          entry.meter = meter;
          entry.points.push({ ts: reading.ts, value });
        }
      }
      const lines: string[] = [];
      for (const [key, { meter, points }] of byMeter) {
        this.counters.readings += points.length;
        try {
          lines.push(...(await this.derive(key, meter, points)));
        } catch (err) {
          this.counters.errors++;
          this.log.error({ err, meter: meter.id, site: meter.site }, 'usage derivation failed; it is re-derived when the meter next reads late');
        }
      }
      // In slices, so the ingest path's own writes (and acks) are not queued behind a long backfill.
      for (let i = 0; i < lines.length; i += WRITE_SLICE) {
        const slice = lines.slice(i, i + WRITE_SLICE);
        try {
          await this.sink.write(slice);
          this.counters.points += slice.length;
        } catch (err) {
          this.counters.errors++;
          this.log.error({ err, points: slice.length }, 'usage points refused by InfluxDB');
        }
      }
      this.scheduleSave();
    }
  }

  private scheduleSave(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = null;
      try {
        this.store.save();
      } catch (err) {
        this.log.error({ err }, 'cannot save usage state');
      }
    }, this.opts.saveDelayMs ?? 1000);
    this.saveTimer.unref();
  }

  private replacementsOf(meter: KnownMeter): Replacement[] {
    const manifest = this.directory.allManifests().find((m) => m.site === meter.site && m.gateway === meter.gateway);
    return (manifest?.replacements ?? []).filter((r) => r.meter === meter.id);
  }

  private async derive(key: string, meter: KnownMeter, points: CounterPoint[]): Promise<string[]> {
    points.sort((a, b) => a.ts - b.ts);
    const field = USAGE_COUNTER[meter.kind]!;
    const replacements = this.replacementsOf(meter);
    const options: UsageOptions = { measurement: field, replacements, meter: meter.id, rolloverMax: this.opts.rollover?.[meter.model]?.[field] };
    const state = this.store.meters.get(key);
    let redo = Infinity;
    if (state) {
      const applied = new Set(state.replacements);
      for (const r of replacements) if (!applied.has(r.at) && r.at <= state.counter.ts) redo = Math.min(redo, r.at);
      // A resend of the very reading the state stands on changes nothing.
      const late = points.find((p) => p.ts <= state.counter.ts && !(p.ts === state.counter.ts && p.value === state.counter.value));
      if (late) redo = Math.min(redo, late.ts);
    }
    if (redo !== Infinity) return this.rederive(key, meter, field, options, redo);

    // Without a state the first reading only starts one; passing it as `previous` keeps
    // replacement records older than it from being applied to the step after it.
    const previous: CounterState | undefined = state?.counter ?? (points[0] && { ts: points[0].ts, value: points[0].value });
    const res = computeUsage(state ? points : points.slice(1), options, previous);
    if (!res.state) return [];
    const known = new Map<number, number>(Object.entries(state?.day.buckets ?? {}).map(([b, v]) => [Number(b), v]));
    for (const iv of res.intervals) known.set(iv.bucketStart, iv.value);
    return this.finish(key, meter, res.state, replacements, res.intervals.map((iv) => [iv.bucketStart, iv.value]), known);
  }

  private async rederive(key: string, meter: KnownMeter, field: MeasurementKey, options: UsageOptions, from: number): Promise<string[]> {
    this.counters.rederived++;
    const before = await lastReadingBefore(this.influx, meter.site, meter.id, field, from);
    const fromBucket = before ? bucketStartOf(before.ts) : 0;
    const anchor = before ? await lastReadingBefore(this.influx, meter.site, meter.id, field, fromBucket) : undefined;
    const rest = await readingsFrom(this.influx, meter.site, meter.id, field, fromBucket);
    const previous = anchor ?? rest.shift();
    if (!previous) return [];
    const res = computeUsage(rest, options, previous);
    if (!res.state) return [];
    // Buckets before fromBucket only got part of their total here; they did not change anyway.
    const touched = res.intervals.filter((iv) => iv.bucketStart >= fromBucket).map((iv) => [iv.bucketStart, iv.value] as [number, number]);
    const dayStart = periodOf(fromBucket, 'day', this.offsetMs).start;
    const known = before ? await usageBuckets(this.influx, USAGE_15M, meter.site, meter.id, dayStart, fromBucket) : new Map<number, number>();
    for (const [b, v] of touched) known.set(b, v);
    this.log.info({ meter: meter.id, site: meter.site, from: new Date(fromBucket).toISOString(), buckets: touched.length }, 'usage re-derived for late readings');
    return this.finish(key, meter, res.state, options.replacements ?? [], touched, known);
  }

  /** 15-minute points for the touched buckets, plus the hours and local days they fall in, summed from `known`. */
  private finish(key: string, meter: KnownMeter, counter: CounterState, replacements: readonly Replacement[], touched: [number, number][], known: Map<number, number>): string[] {
    const tags = usageSeries(meter);
    const lines = touched.map(([b, v]) => usageLine(USAGE_15M, tags, b, v));
    const hours = new Map<number, number>();
    const days = new Map<number, number>();
    for (const [b] of touched) {
      hours.set(periodOf(b, 'hour', this.offsetMs).start, 0);
      days.set(periodOf(b, 'day', this.offsetMs).start, 0);
    }
    const openDay = periodOf(bucketStartOf(counter.ts), 'day', this.offsetMs).start;
    const dayBuckets: Record<string, number> = {};
    for (const [b, v] of known) {
      const h = b - ((((b + this.offsetMs) % HOUR_MS) + HOUR_MS) % HOUR_MS);
      const d = periodOf(b, 'day', this.offsetMs).start;
      if (hours.has(h)) hours.set(h, hours.get(h)! + v);
      if (days.has(d)) days.set(d, days.get(d)! + v);
      if (d === openDay && b < openDay + DAY_MS) dayBuckets[b] = v;
    }
    for (const [h, v] of hours) lines.push(usageLine(USAGE_1H, tags, h, v));
    for (const [d, v] of days) lines.push(usageLine(USAGE_1D, tags, d, v));
    const next: MeterUsageState = { counter, day: { start: openDay, buckets: dayBuckets }, replacements: replacements.map((r) => r.at) };
    this.store.meters.set(key, next);
    return lines;
  }
}
