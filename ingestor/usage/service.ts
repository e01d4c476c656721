import type { Logger } from 'pino';
import type { UsageHealth } from '../../core/api.ts';
import { USAGE_COUNTER, type EnergyKind, type MeasurementKey, type Replacement } from '../../core/index.ts';
import type { Directory, KnownMeter } from '../ingest/directory.ts';
import type { StoredReading } from '../ingest/pipeline.ts';
import type { InfluxClient } from '../store/influx.ts';
import { HOUR_MS, bucketStartOf } from './buckets.ts';
import { CounterStepper, DEFAULT_GAP_MS, type CounterPoint, type UsageEvent, type UsageOptions } from './counter.ts';
import { EMPTY_FOLD, UsageFolder, type FoldState, type Tally } from './fold.ts';
import { USAGE_15M, usageSeries, type UsageFigures, type UsageTags } from './lines.ts';
import { lastReadingBefore, readingPages, usageSums } from './raw.ts';
import { periodOf } from './rollup.ts';
import { UsageStateStore, type MeterUsageState } from './state-store.ts';

const WRITE_CHUNK = 5000;
const WRITES_IN_FLIGHT = 2;
const RETRY_MS = [1000, 5000, 30_000, 60_000] as const;

/**
 * Most a counter of each kind can advance per hour when the manifest names no rating: well above
 * any single building's incomer (20 MW, 500 m³/h of water), far below what a corrupt register reads.
 */
export const DEFAULT_MAX_RATE_PER_HOUR: Record<EnergyKind, number> = {
  electricity: 20_000, heat: 20_000, cooling: 20_000, water: 500, gas: 5_000, other: Infinity,
};

export interface UsageServiceOptions {
  dataDir: string;
  /** Hours the sites' local day is ahead of UTC: daily and monthly rollups are local. */
  utcOffsetHours: number;
  /** Where a model's counter register wraps to 0, by model and measurement. */
  rollover?: Readonly<Record<string, Partial<Record<MeasurementKey, number>>>>;
  saveDelayMs?: number;
  /** A step longer than this is estimated, not measured (default 24 h). */
  gapMs?: number;
  /**
   * How long a meter must go without late readings before a step from them into the data that was
   * already there is derived across a long gap: while a backfill fills the gap, that step shrinks
   * with every batch, and writing it each time would rewrite years of buckets per batch.
   */
  settleMs?: number;
  /** Most readings held in memory waiting for derivation; beyond it meters are re-derived from InfluxDB. */
  maxQueuedReadings?: number;
  /** Steps refused or not counted (counter_jump, counter_decreased), for the alert rules. */
  onCounterEvent?: (meter: KnownMeter, e: UsageEvent) => void;
  /** Told each month point of a meter once its write has landed (the in-memory monthly totals). */
  onMonth?: (meter: UsageTags, monthStart: number, month: UsageFigures) => void;
  now?: () => number;
}

export interface UsageSink {
  write(lines: string[]): Promise<void>;
}

/** Work waiting for one meter. */
interface Pending {
  meter: KnownMeter;
  /** Readings newer than the state when they arrived, in memory. */
  points: CounterPoint[];
  /** Readings received and not yet derived, in memory or not. */
  readings: number;
  /** Re-derive from the stored readings from here on. */
  redoFrom: number | undefined;
  /** Newest late reading and when the last one arrived, for the long-gap deferral. */
  lateMaxTs: number | undefined;
  lastLateAt: number | undefined;
  /**
   * Where a re-derivation stopped before a long gap still being filled: the state at the last late
   * reading and the first reading after it that was already there. Late readings that land between
   * the two continue from this state in memory, as a backfill sends them, instead of re-reading.
   */
  behind: { state: MeterUsageState; until: number; points: CounterPoint[] } | undefined;
  /** Wall-clock ms before which the re-derivation waits. */
  notBefore: number;
  failures: number;
}

export type { UsageHealth };

/**
 * Derives usage from the counters of stored readings and writes it as `usage` (15 min), `usage_1h`,
 * `usage_1d` and `usage_1mo` (local days and months). Every point carries its interval's total so
 * far, so writing it again as the interval fills overwrites the same InfluxDB point.
 *
 * Streaming, with memory bounded whatever the batch or the gap: shares of each step go through a
 * folder to the sink in slices; a meter's carried state is its last reading and its open intervals.
 *
 * Readings newer than a meter's state are derived from memory. Anything else — a meter without
 * state, readings at or before its state (a backfill, a late replacement record), more readings
 * queued than the bound, a derivation that failed — makes the meter re-derive from the raw readings
 * InfluxDB holds, from the last reading before the first one concerned, a page at a time. Raw
 * readings are the truth; usage is a view of them that can always be rebuilt.
 */
export class UsageService {
  readonly counters = { readings: 0, rederived: 0, points: 0, errors: 0, counterJumps: 0, deferred: 0 };
  private readonly pending = new Map<string, Pending>();
  /** Per site and local month start: the generation of its last usage write (see generation()). */
  private readonly months = new Map<string, Map<number, number>>();
  private gen = 0;
  private readonly newest = new Map<string, number>();
  private queued = 0;
  private running: Promise<void> | null = null;
  private wake: NodeJS.Timeout | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly store: UsageStateStore;
  private readonly offsetMs: number;
  private readonly gapMs: number;
  private readonly settleMs: number;
  private readonly maxQueued: number;
  private readonly now: () => number;

  constructor(
    private readonly influx: InfluxClient,
    private readonly sink: UsageSink,
    private readonly directory: Directory,
    private readonly log: Logger,
    private readonly opts: UsageServiceOptions,
  ) {
    this.store = new UsageStateStore(opts.dataDir, log);
    this.offsetMs = Math.round(opts.utcOffsetHours * HOUR_MS);
    this.gapMs = opts.gapMs ?? DEFAULT_GAP_MS;
    this.settleMs = opts.settleMs ?? 5000;
    this.maxQueued = opts.maxQueuedReadings ?? 200_000;
    this.now = opts.now ?? Date.now;
  }

  /** Takes readings InfluxDB accepted. */
  onStored(stored: StoredReading[]): void {
    const now = this.now();
    for (const { reading, meter } of stored) {
      const field = USAGE_COUNTER[meter.kind];
      const value = field ? reading.values[field] : undefined;
      if (value === undefined) continue;
      const key = `${meter.site}/${meter.id}`;
      let p = this.pending.get(key);
      if (!p) this.pending.set(key, (p = { meter, points: [], readings: 0, redoFrom: undefined, lateMaxTs: undefined, lastLateAt: undefined, behind: undefined, notBefore: now, failures: 0 }));
      p.meter = meter;
      p.readings++;
      this.counters.readings++;
      const newest = this.newest.get(key);
      if (newest === undefined || newest < reading.ts) this.newest.set(key, reading.ts);
      else if (reading.ts < newest) {
        // Older than what the meter already sent: a backfill or a replay is filling in behind.
        p.lateMaxTs = Math.max(p.lateMaxTs ?? -Infinity, reading.ts);
        p.lastLateAt = now;
      }
      const state = this.store.meters.get(key);
      if (state && reading.ts <= state.counter.ts) {
        // A resend of the very reading the state stands on changes nothing.
        if (reading.ts === state.counter.ts && value === state.counter.value) { p.readings--; continue; }
        const b = p.behind;
        if (b && reading.ts > b.state.counter.ts && reading.ts < b.until && this.queued < this.maxQueued) {
          b.points.push({ ts: reading.ts, value });
          this.queued++;
          p.lateMaxTs = Math.max(p.lateMaxTs ?? -Infinity, reading.ts);
          p.lastLateAt = now;
          p.notBefore = Math.max(p.notBefore, now + this.settleMs);
          continue;
        }
        this.markLate(p, reading.ts, now);
      } else if (this.queued < this.maxQueued) {
        p.points.push({ ts: reading.ts, value });
        this.queued++;
      } else {
        // Over the bound: the reading is in InfluxDB, so remember only where to start reading it back.
        p.redoFrom = Math.min(p.redoFrom ?? Infinity, reading.ts);
      }
    }
    this.kick();
  }

  /** Resolves when no work is pending, deferred or not (tests, benchmarks). */
  async idle(timeoutMs = 300_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.pending.size || this.running) {
      if (Date.now() > until) throw new Error(`usage derivation still has ${this.pending.size} meter(s) pending after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * The newest generation of the site's usage in the local months overlapping [from, to): it moves
   * once a write of usage in one of them has landed, so an answer read before it is known stale.
   */
  generation(site: string, from: number, to: number): number {
    const first = periodOf(from, 'month', this.offsetMs).start;
    let g = 0;
    for (const [start, v] of this.months.get(site) ?? []) if (start >= first && start < to && v > g) g = v;
    return g;
  }

  health(): UsageHealth {
    let failing = 0;
    let backlog = 0;
    let lagMs = 0;
    for (const [key, p] of this.pending) {
      if (p.failures > 0) failing++;
      backlog += p.readings;
      const oldest = Math.min(p.redoFrom ?? Infinity, p.points[0]?.ts ?? Infinity);
      const newest = this.newest.get(key);
      if (Number.isFinite(oldest) && newest !== undefined) lagMs = Math.max(lagMs, newest - oldest);
    }
    const status = failing ? 'degraded' : this.pending.size ? 'catching_up' : 'ok';
    return { status, failing_meters: failing, pending_meters: this.pending.size, backlog_readings: backlog, lag_seconds: lagMs / 1000 };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.wake) clearTimeout(this.wake);
    while (this.running) await this.running;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.store.save();
  }

  private markLate(p: Pending, ts: number, now: number): void {
    // Earlier than where the backfill lane stands: the stored readings are read again from there.
    this.dropBehind(p);
    p.redoFrom = Math.min(p.redoFrom ?? Infinity, ts);
    p.lateMaxTs = Math.max(p.lateMaxTs ?? -Infinity, ts);
    p.lastLateAt = now;
    if (p.failures === 0) p.notBefore = Math.min(p.notBefore, now);
  }

  private dropBehind(p: Pending): void {
    if (!p.behind) return;
    this.queued -= p.behind.points.length;
    for (const x of p.behind.points) p.redoFrom = Math.min(p.redoFrom ?? Infinity, x.ts);
    p.behind = undefined;
  }

  private hasDueWork(): boolean {
    const now = this.now();
    for (const p of this.pending.values()) if (p.points.length || p.behind?.points.length || (p.redoFrom !== undefined && p.notBefore <= now)) return true;
    return false;
  }

  private kick(): void {
    if (this.closed) return;
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (this.hasDueWork()) this.kick();
      else this.schedule();
    });
  }

  /** Wakes the loop for the earliest deferred re-derivation. */
  private schedule(): void {
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    if (this.closed) return;
    let next = Infinity;
    for (const p of this.pending.values()) if (p.redoFrom !== undefined) next = Math.min(next, p.notBefore);
    if (!Number.isFinite(next)) return;
    this.wake = setTimeout(() => {
      this.wake = null;
      this.kick();
    }, Math.max(0, next - this.now()) + 5);
    this.wake.unref();
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.hasDueWork()) {
      const now = this.now();
      for (const [key, p] of [...this.pending]) {
        if (this.closed) return;
        const redoDue = p.redoFrom !== undefined && p.notBefore <= now;
        if (!redoDue && !p.points.length && !p.behind?.points.length) continue;
        const retryFrom = Math.min(p.redoFrom ?? Infinity, earliest(p.points), earliest(p.behind?.points ?? []));
        try {
          if (redoDue) await this.rederive(key, p);
          else {
            if (p.behind?.points.length) await this.continueBehind(p);
            if (p.points.length) await this.forward(key, p);
          }
          p.failures = 0;
        } catch (err) {
          this.counters.errors++;
          p.failures++;
          // Never dropped: what failed is re-derived from the stored readings, with growing pauses.
          this.dropBehind(p);
          const from = Math.min(retryFrom, p.redoFrom ?? Infinity, earliest(p.points));
          this.queued -= p.points.length;
          p.points = [];
          if (Number.isFinite(from)) p.redoFrom = from;
          p.notBefore = this.now() + RETRY_MS[Math.min(p.failures - 1, RETRY_MS.length - 1)]!;
          this.log.error({ err, meter: p.meter.id, site: p.meter.site, failures: p.failures, retryAt: new Date(p.notBefore).toISOString() }, 'usage derivation failed; the meter is re-derived from its stored readings');
        }
        if (p.redoFrom === undefined && !p.points.length) this.pending.delete(key);
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

  private optionsFor(meter: KnownMeter, field: MeasurementKey, replacements: Replacement[]): UsageOptions {
    const perHour = (meter.kind === 'water' || meter.kind === 'gas' ? meter.max_flow_m3h : meter.max_power_kw) ?? DEFAULT_MAX_RATE_PER_HOUR[meter.kind];
    return {
      measurement: field, replacements, meter: meter.id, rolloverMax: this.opts.rollover?.[meter.model]?.[field],
      maxRatePerHour: Number.isFinite(perHour) ? perHour : undefined, gapMs: this.gapMs,
    };
  }

  private onEvent(meter: KnownMeter) {
    return (e: UsageEvent) => {
      if (e.flag === 'counter_jump' || e.flag === 'counter_decreased') this.opts.onCounterEvent?.(meter, e);
      if (e.flag !== 'counter_jump') return;
      this.counters.counterJumps++;
      this.log.warn({ meter: meter.id, site: meter.site, at: new Date(e.ts).toISOString(), prev: e.prev, value: e.value }, 'counter jump beyond the meter\'s rated maximum; reading kept raw, not counted in usage');
    };
  }

  /** Readings newer than the state, from memory. */
  private async forward(key: string, p: Pending): Promise<void> {
    const meter = p.meter;
    const points = p.points;
    p.points = [];
    this.queued -= points.length;
    const state = this.store.meters.get(key);
    points.sort((a, b) => a.ts - b.ts);
    if (!state) {
      if (p.redoFrom === undefined && !this.hasLongGap(points)) {
        // A meter new to derivation: if nothing is stored before these readings, they are all it
        // has, so they are derived from memory rather than read back from InfluxDB. At start-up
        // every meter takes this path at once, and reading each back doubled InfluxDB's load.
        const field = USAGE_COUNTER[meter.kind]!;
        const before = await lastReadingBefore(this.influx, meter.site, meter.id, field, points[0]!.ts);
        if (!before) {
          p.readings -= points.length;
          this.store.meters.set(key, await this.continueFrom(meter, { counter: undefined, fold: EMPTY_FOLD }, points, this.replacementsOf(meter)));
          return;
        }
      }
      // State lost with readings stored before these, readings past the queue's bound, or a long
      // gap a backfill may still be filling: the stored readings hold the steps, read them back.
      p.redoFrom = Math.min(p.redoFrom ?? Infinity, points[0]!.ts);
      p.notBefore = Math.min(p.notBefore, this.now());
      return;
    }
    const replacements = this.replacementsOf(meter);
    const applied = new Set(state.replacements);
    const missed = replacements.filter((r) => !applied.has(r.at) && r.at <= state.counter.ts);
    if (missed.length) {
      for (const r of missed) p.redoFrom = Math.min(p.redoFrom ?? Infinity, r.at);
      p.notBefore = Math.min(p.notBefore, this.now());
      return;
    }
    const fresh = points.filter((x) => x.ts > state.counter.ts);
    let late = 0;
    for (const x of points) {
      if (x.ts > state.counter.ts || (x.ts === state.counter.ts && x.value === state.counter.value)) continue;
      this.markLate(p, x.ts, this.now());
      late++;
    }
    p.readings -= points.length - late;
    if (!fresh.length) return;
    this.store.meters.set(key, await this.continueFrom(meter, state, fresh, replacements));
  }

  /** Whether readings in time order leave a step longer than the gap bound (see rederive's deferral). */
  private hasLongGap(points: readonly CounterPoint[]): boolean {
    for (let i = 1; i < points.length; i++) if (points[i]!.ts - points[i - 1]!.ts > this.gapMs) return true;
    return false;
  }

  /** Derives `points` (newer than the state, in time order) from memory; resolves with the state they leave once written. */
  private async continueFrom(
    meter: KnownMeter, state: { counter: MeterUsageState['counter'] | undefined; fold: FoldState }, points: readonly CounterPoint[], replacements: Replacement[],
  ): Promise<MeterUsageState> {
    const field = USAGE_COUNTER[meter.kind]!;
    const stepper = new CounterStepper(this.optionsFor(meter, field, replacements), state.counter, this.onEvent(meter));
    const out = this.output(meter);
    const folder = new UsageFolder(usageSeries(meter), this.offsetMs, state.fold, out.emit, out.touch);
    for (const x of points) {
      for (const s of stepper.push(x)) {
        folder.add(s);
        if (out.full()) await out.flush();
      }
    }
    const fold = folder.finish();
    await out.done();
    // points is never empty, so the stepper has a state once they are pushed.
    return { counter: (stepper.state ?? state.counter)!, fold, replacements: replacements.map((r) => r.at) };
  }

  /** Late readings that continue the backfill lane, from memory; the step into the data after it stays deferred. */
  private async continueBehind(p: Pending): Promise<void> {
    const b = p.behind!;
    const points = b.points.sort((a, c) => a.ts - c.ts);
    b.points = [];
    this.queued -= points.length;
    p.readings -= points.length;
    const from = b.state.counter.ts;
    b.state = await this.continueFrom(p.meter, b.state, points, this.replacementsOf(p.meter));
    // The deferred re-derivation now starts from the newest late reading.
    if (p.redoFrom === from + 1) p.redoFrom = b.state.counter.ts + 1;
  }

  /**
   * Re-derives from the stored readings: from the last reading before `redoFrom` (whose bucket is
   * rebuilt whole, from the reading before it) to the newest, a page at a time.
   */
  private async rederive(key: string, p: Pending): Promise<void> {
    const meter = p.meter;
    // Queued readings are dropped below (the pages read them back), so the start covers them too.
    let from = p.redoFrom!;
    for (const x of p.points) from = Math.min(from, x.ts);
    for (const x of p.behind?.points ?? []) from = Math.min(from, x.ts);
    const late = { maxTs: p.lateMaxTs, at: p.lastLateAt };
    // What is queued now is stored, so the pages below read it: only later arrivals stay queued.
    this.queued -= p.points.length + (p.behind?.points.length ?? 0);
    p.points = [];
    p.behind = undefined;
    p.redoFrom = undefined;
    p.lateMaxTs = undefined;
    p.lastLateAt = undefined;
    p.readings = 0;
    this.counters.rederived++;

    const field = USAGE_COUNTER[meter.kind]!;
    const replacements = this.replacementsOf(meter);
    let stepper = new CounterStepper(this.optionsFor(meter, field, replacements), undefined, this.onEvent(meter));
    const before = await lastReadingBefore(this.influx, meter.site, meter.id, field, from);
    let fromBucket = -Infinity;
    let fold: FoldState = EMPTY_FOLD;
    let readFrom = from;
    if (before) {
      fromBucket = bucketStartOf(before.ts);
      readFrom = fromBucket;
      const anchor = await lastReadingBefore(this.influx, meter.site, meter.id, field, fromBucket);
      // The reading before the bucket only starts the stepper; its step's part in the bucket comes next.
      if (anchor) stepper.push(anchor).next();
      fold = await this.foldBefore(meter, fromBucket);
    }

    const out = this.output(meter);
    let folder = new UsageFolder(usageSeries(meter), this.offsetMs, fold, out.emit, out.touch);
    // A meter seen for the first time (or whose state was lost) may be in the middle of a backfill
    // whose first batches came before its live data: a long gap found now is probably being filled.
    const fresh = !this.store.meters.has(key);
    const stillLate = fresh || (late.at !== undefined && this.now() - late.at < this.settleMs);
    let stopped: { at: number; until: number; state: MeterUsageState } | undefined;
    let derived = 0;
    // Up to the newest reading known now: what arrives meanwhile is queued and continues from the
    // state this leaves, so one meter's re-derivation never chases a running backfill while the
    // other meters wait.
    const upTo = this.newest.get(key) ?? Infinity;
    for await (const page of readingPages(this.influx, meter.site, meter.id, field, readFrom, upTo)) {
      for (const x of page) {
        const last = stepper.state;
        const intoKnown = fresh || (late.maxTs !== undefined && x.ts > late.maxTs && last !== undefined && last.ts <= late.maxTs);
        if (!stopped && stillLate && last && intoKnown && x.ts - last.ts > this.gapMs) {
          // The step from the late readings into the data already there crosses a long gap that the
          // same source is probably still filling: it is derived once the meter has been quiet.
          // The readings after the gap are derived now, from a fresh start at the first of them.
          stopped = { at: last.ts, until: x.ts, state: { counter: last, fold: folder.finish(), replacements: replacements.map((r) => r.at) } };
          stepper = new CounterStepper(this.optionsFor(meter, field, replacements), undefined, this.onEvent(meter));
          folder = new UsageFolder(usageSeries(meter), this.offsetMs, EMPTY_FOLD, out.emit, out.touch);
        }
        for (const s of stepper.push(x)) {
          if (s.bucketStart < fromBucket) continue;
          folder.add(s);
          if (out.full()) await out.flush();
        }
        derived++;
      }
    }
    const next = folder.finish();
    await out.done();
    const state = stepper.state;
    if (state) this.store.meters.set(key, { counter: state, fold: next, replacements: replacements.map((r) => r.at) });
    if (stopped) {
      this.counters.deferred++;
      // Late readings that arrived meanwhile are only marked (p.redoFrom): the lane would skip them.
      const marked = p.redoFrom !== undefined;
      p.redoFrom = Math.min(p.redoFrom ?? Infinity, stopped.at + 1);
      p.lateMaxTs = Math.max(p.lateMaxTs ?? -Infinity, late.maxTs ?? -Infinity);
      p.lastLateAt = Math.max(p.lastLateAt ?? -Infinity, late.at ?? -Infinity, fresh ? this.now() : -Infinity);
      p.notBefore = p.lastLateAt + this.settleMs;
      if (!marked) p.behind = { state: stopped.state, until: stopped.until, points: [] };
      this.log.debug({ meter: meter.id, site: meter.site, derived, stoppedAt: new Date(stopped.at).toISOString() }, 'usage re-derived except a long gap still being filled');
      return;
    }
    this.log.debug({ meter: meter.id, site: meter.site, from: new Date(Number.isFinite(fromBucket) ? fromBucket : from).toISOString(), derived }, 'usage re-derived from stored readings');
  }

  /** The hour, day and month sums of the buckets before `bucket`, from the stored 15-minute usage. */
  private async foldBefore(meter: KnownMeter, bucket: number): Promise<FoldState> {
    const starts = (['hour', 'day', 'month'] as const).map((period) => periodOf(bucket, period, this.offsetMs).start);
    const sums = await usageSums(this.influx, USAGE_15M, meter.site, meter.id, starts.map((s) => ({ from: s, to: bucket })));
    const tally = (i: number): Tally => ({ start: starts[i]!, ...sums[i]! });
    return { open: null, hour: tally(0), day: tally(1), month: tally(2) };
  }

  /**
   * Lines in slices of WRITE_CHUNK, so a long step never gathers them all and ingest's own writes
   * go between. Up to WRITES_IN_FLIGHT slices are written at once, so deriving the next slice
   * overlaps InfluxDB taking the last; done() waits for all of them before the state moves on.
   */
  private output(meter: KnownMeter) {
    const site = meter.site;
    let buf: string[] = [];
    let touched = new Map<number, UsageFigures>();
    const inFlight = new Set<Promise<void>>();
    let failed: Error | null = null;
    const send = () => {
      if (!buf.length) return;
      const slice = buf;
      const months = touched;
      buf = [];
      touched = new Map();
      const w = this.sink.write(slice).then(() => {
        this.counters.points += slice.length;
        let m = this.months.get(site);
        if (!m) this.months.set(site, (m = new Map()));
        const g = ++this.gen;
        for (const start of months.keys()) m.set(start, g);
        for (const [start, f] of months) this.opts.onMonth?.(meter, start, f);
      }, (err: Error) => { failed ??= err; }).finally(() => inFlight.delete(w));
      inFlight.add(w);
    };
    return {
      emit: (line: string) => { buf.push(line); },
      touch: (monthStart: number, f: UsageFigures) => { touched.set(monthStart, { ...f }); },
      full: () => buf.length >= WRITE_CHUNK,
      flush: async () => {
        send();
        while (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
        if (failed) throw failed;
      },
      done: async () => {
        send();
        await Promise.all(inFlight);
        if (failed) throw failed;
      },
    };
  }
}

/**
 * The earliest time of queued readings. A loop, not Math.min(...): one meter can have up to the
 * queue's bound (200,000) waiting, more than a call takes arguments.
 */
function earliest(points: readonly CounterPoint[]): number {
  let t = Infinity;
  for (const x of points) if (x.ts < t) t = x.ts;
  return t;
}
