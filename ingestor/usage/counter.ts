import type { MeasurementKey, Replacement } from '../../core/index.ts';
import { DEFAULT_BUCKET_MS, HOUR_MS, apportionIter, assertBucketMs, bucketStartOf } from './buckets.ts';

export interface CounterPoint {
  /** Epoch ms, UTC. */
  ts: number;
  value: number;
}

/**
 * Why a bucket's value is not a plain difference of two readings.
 * rollover, replacement, reset: counted, but across a discontinuity of the register;
 * gap: the step spans at least one bucket with no reading in it, so its value is spread linearly;
 * estimated: the step is longer than the gap bound (default 24 h): counted in totals, not in completeness;
 * counter_decreased, counter_jump, implausible: the step was not counted.
 */
export type UsageFlag = 'rollover' | 'replacement' | 'reset' | 'gap' | 'estimated' | 'counter_decreased' | 'counter_jump' | 'implausible';

export interface UsageInterval {
  bucketStart: number;
  value: number;
  flags?: UsageFlag[];
}

/** What carries over between calls: the last accepted reading and its bucket's usage so far. */
export interface CounterState {
  ts: number;
  value: number;
  open?: UsageInterval;
  /**
   * A reading refused as a counter jump, kept to see whether the next one continues from it: a
   * counter that stays at the new level (a meter swapped without a record) is re-based on it, one
   * that comes back (a glitch) is not.
   */
  jump?: CounterPoint;
}

export interface UsageOptions {
  /** Which counter the points are, to pick its values out of replacement records. */
  measurement?: MeasurementKey;
  /** Replacement records of this meter (others are ignored when `meter` is given). */
  replacements?: readonly Replacement[];
  meter?: string;
  bucketMs?: number;
  /**
   * The value at which the register wraps to zero: 1 000 000 for a six-digit register showing at most
   * 999999.99, 2^32 × scale for a uint32. A wrapped step is then max − prev + value.
   */
  rolloverMax?: number;
  /** A drop counts as a rollover when prev is within this share of the max and value within it of zero. */
  rolloverWindow?: number;
  /** Most the counter can advance per hour (e.g. rated kW for a kWh register); no limit if absent. */
  maxRatePerHour?: number;
  /** A step longer than this (ms) is estimated, not measured. Default 24 h. */
  gapMs?: number;
}

export interface UsageEvent {
  ts: number;
  flag: UsageFlag;
  prev: number;
  value: number;
  /** What was added to the buckets for this step (0 when not counted). */
  counted: number;
}

export interface UsageResult {
  /**
   * Buckets touched by this call, in time order. Each value is the bucket's total so far, including
   * what earlier calls put in the bucket that was open then, so writing it overwrites cleanly.
   */
  intervals: UsageInterval[];
  state: CounterState | undefined;
  events: UsageEvent[];
  /** Points dropped as duplicates, out of order, or not finite. */
  ignored: number;
}

/** One bucket's part of one step. Shares come in bucket order; adjacent steps share a bucket. */
export interface StepShare {
  bucketStart: number;
  value: number;
  /** ms of the bucket the step covers; counted as measured unless `estimated`. */
  overlapMs: number;
  estimated: boolean;
  flags: UsageFlag[];
}

export const DEFAULT_GAP_MS = 24 * HOUR_MS;
const DEFAULT_ROLLOVER_WINDOW = 0.1;
// Without a rate limit, a drop to within 1% of the previous reading is read as a reset to zero.
const RESET_SHARE_WITHOUT_LIMIT = 0.01;

interface Step {
  counted: number;
  flag?: UsageFlag;
  /** Whether the state moves to the new point. */
  advance: boolean;
}

/**
 * One meter's counter, reading by reading. Pure and streaming: push() yields the bucket shares of
 * the step it closes, one at a time, so a step across years costs no memory; the state is plain
 * data that goes back in with the next batch (or across a restart) to continue where it stopped.
 *
 * A step that is not counted and does not move the state (a counter that went down, a jump beyond
 * the rated maximum) yields nothing: the next counted step spans its time instead, so shares never
 * go back in time and no time is covered twice.
 */
export class CounterStepper {
  readonly events: UsageEvent[] = [];
  ignored = 0;
  private last: CounterPoint | undefined;
  private jump: CounterPoint | undefined;
  private readonly replacements: Replacement[];
  private next = 0;
  private carried: UsageFlag[] = [];
  private readonly bucketMs: number;
  private readonly gapMs: number;

  constructor(private readonly options: UsageOptions = {}, previous?: Pick<CounterState, 'ts' | 'value' | 'jump'>, private readonly onEvent?: (e: UsageEvent) => void) {
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    assertBucketMs(this.bucketMs);
    this.gapMs = options.gapMs ?? DEFAULT_GAP_MS;
    this.replacements = relevantReplacements(options);
    if (previous) {
      this.last = { ts: previous.ts, value: previous.value };
      if (previous.jump) this.jump = { ...previous.jump };
      while (this.next < this.replacements.length && this.replacements[this.next]!.at <= previous.ts) this.next++;
    }
  }

  get state(): Pick<CounterState, 'ts' | 'value' | 'jump'> | undefined {
    if (!this.last) return undefined;
    return this.jump ? { ...this.last, jump: { ...this.jump } } : { ...this.last };
  }

  *push(p: CounterPoint): Generator<StepShare> {
    if (!Number.isFinite(p.ts) || !Number.isFinite(p.value)) { this.ignored++; return; }
    const state = this.last;
    if (!state) { this.last = { ts: p.ts, value: p.value }; return; }
    // After a refused jump, a point at or before it is a duplicate or out of order like any other.
    if (p.ts <= (this.jump?.ts ?? state.ts)) { this.ignored++; return; }
    const swaps: Replacement[] = [];
    while (this.next < this.replacements.length && this.replacements[this.next]!.at <= p.ts) swaps.push(this.replacements[this.next++]!);
    const step = classify(state, p, swaps, this.options);

    if (step.flag === 'counter_jump') {
      const j = this.jump;
      const limit = this.options.maxRatePerHour;
      if (j && p.ts > j.ts && p.value > j.value && limit !== undefined && p.value - j.value <= limit * ((p.ts - j.ts) / HOUR_MS)) {
        // The counter goes on counting from the new level: nothing is counted up to the jump, the
        // plain delta after it. A register that repeats the same wrong value does not count on.
        this.jump = undefined;
        this.last = { ts: p.ts, value: p.value };
        yield* this.shares(state.ts, j.ts, 0, ['counter_jump']);
        yield* this.shares(j.ts, p.ts, p.value - j.value, []);
        return;
      }
      this.jump = { ts: p.ts, value: p.value };
      this.event({ ts: p.ts, flag: 'counter_jump', prev: state.value, value: p.value, counted: 0 });
      return;
    }
    if (step.flag) this.event({ ts: p.ts, flag: step.flag, prev: state.value, value: p.value, counted: step.counted });
    if (!step.advance) {
      if (step.flag && !this.carried.includes(step.flag)) this.carried.push(step.flag);
      return;
    }
    this.jump = undefined;
    this.last = { ts: p.ts, value: p.value };
    yield* this.shares(state.ts, p.ts, step.counted, step.flag ? [step.flag] : []);
  }

  private *shares(from: number, to: number, amount: number, flags: UsageFlag[]): Generator<StepShare> {
    if (!(to > from)) return;
    const estimated = to - from > this.gapMs;
    const all: UsageFlag[] = [...flags];
    // A whole bucket with no reading in it: its value is an even share of the step, not a measurement.
    if (bucketStartOf(to, this.bucketMs) - bucketStartOf(from, this.bucketMs) > this.bucketMs) all.push('gap');
    if (estimated) all.push('estimated');
    let first = true;
    for (const s of apportionIter(from, to, amount, this.bucketMs)) {
      const f = first && this.carried.length ? [...this.carried.filter((c) => !all.includes(c)), ...all] : all;
      if (first) this.carried = [];
      first = false;
      yield { bucketStart: s.bucketStart, value: s.value, overlapMs: s.overlapMs, estimated, flags: f };
    }
  }

  private event(e: UsageEvent): void {
    // Kept for callers that gather them (computeUsage); the service passes onEvent and counts instead.
    if (this.onEvent) this.onEvent(e);
    else this.events.push(e);
  }
}

/**
 * Turns one meter's counter readings into usage per clock bucket. Pure: feed the returned state back
 * in with the next batch to continue where this one stopped. Gathers every bucket it touches, so it
 * is for batches of bounded span; the service streams with CounterStepper instead.
 */
export function computeUsage(points: readonly CounterPoint[], options: UsageOptions = {}, previous?: CounterState): UsageResult {
  const bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
  assertBucketMs(bucketMs);
  const buckets = new Map<number, { value: number; flags: Set<UsageFlag> }>();
  const touched: number[] = [];
  if (previous?.open && previous.open.bucketStart === bucketStartOf(previous.ts, bucketMs)) {
    buckets.set(previous.open.bucketStart, { value: previous.open.value, flags: new Set(previous.open.flags) });
  }
  const stepper = new CounterStepper(options, previous);
  for (const p of points) {
    for (const s of stepper.push(p)) {
      let slot = buckets.get(s.bucketStart);
      if (!slot) buckets.set(s.bucketStart, (slot = { value: 0, flags: new Set() }));
      slot.value += s.value;
      for (const f of s.flags) slot.flags.add(f);
      if (touched[touched.length - 1] !== s.bucketStart) touched.push(s.bucketStart);
    }
  }
  const intervals = touched.map((b) => toInterval(b, buckets.get(b)!));
  const state = stepper.state;
  if (!state) return { intervals, state: undefined, events: stepper.events, ignored: stepper.ignored };
  const openStart = bucketStartOf(state.ts, bucketMs);
  const open = buckets.get(openStart);
  return { intervals, state: open ? { ...state, open: toInterval(openStart, open) } : state, events: stepper.events, ignored: stepper.ignored };
}

function toInterval(bucketStart: number, slot: { value: number; flags: Set<UsageFlag> }): UsageInterval {
  return slot.flags.size ? { bucketStart, value: slot.value, flags: [...slot.flags] } : { bucketStart, value: slot.value };
}

function relevantReplacements(options: UsageOptions): Replacement[] {
  const m = options.measurement;
  if (!m || !options.replacements) return [];
  return options.replacements
    .filter((r) => (options.meter === undefined || r.meter === options.meter) && r.old_final[m] !== undefined && r.new_first[m] !== undefined)
    .slice()
    .sort((a, b) => a.at - b.at);
}

function classify(prev: CounterPoint, p: CounterPoint, swaps: readonly Replacement[], o: UsageOptions): Step {
  const hours = (p.ts - prev.ts) / HOUR_MS;
  const limit = o.maxRatePerHour === undefined ? Infinity : o.maxRatePerHour * hours;
  const checked = (amount: number, flag?: UsageFlag): Step =>
    amount > limit ? { counted: 0, flag: 'counter_jump', advance: false } : { counted: amount, flag, advance: true };

  if (swaps.length) {
    // Chained swaps: (old_final₁ − prev) + (old_final₂ − new_first₁) + … + (value − new_firstₙ).
    const m = o.measurement!;
    let cursor = prev.value;
    let total = 0;
    let consistent = true;
    for (const r of swaps) {
      const part = r.old_final[m]! - cursor;
      if (part < 0) consistent = false;
      total += part;
      cursor = r.new_first[m]!;
    }
    if (p.value < cursor) consistent = false;
    total += p.value - cursor;
    // A record that contradicts the readings (old_final below a value already seen) is not guessed at.
    return consistent ? checked(total, 'replacement') : { counted: 0, flag: 'implausible', advance: true };
  }

  const delta = p.value - prev.value;
  if (delta >= 0) return checked(delta);

  const max = o.rolloverMax;
  const window = o.rolloverWindow ?? DEFAULT_ROLLOVER_WINDOW;
  if (max !== undefined && prev.value >= max * (1 - window) && prev.value <= max && p.value >= 0 && p.value < max * window) {
    return checked(max - prev.value + p.value, 'rollover');
  }
  // Near zero: no more than the counter could have gained from zero since the previous reading.
  const nearZero = Number.isFinite(limit) ? limit : prev.value * RESET_SHARE_WITHOUT_LIMIT;
  if (p.value >= 0 && p.value <= nearZero) return checked(p.value, 'reset');
  // Keep the higher reading: a register that steps back and recovers then counts nothing twice.
  return { counted: 0, flag: 'counter_decreased', advance: false };
}
