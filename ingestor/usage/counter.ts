import type { MeasurementKey, Replacement } from '../../core/index.ts';
import { DEFAULT_BUCKET_MS, HOUR_MS, apportion, assertBucketMs, bucketStartOf } from './buckets.ts';

export interface CounterPoint {
  /** Epoch ms, UTC. */
  ts: number;
  value: number;
}

/**
 * Why a bucket's value is not a plain difference of two readings.
 * rollover, replacement, reset: counted, but across a discontinuity of the register;
 * gap: the step spans at least one bucket with no reading in it, so its value is spread linearly;
 * counter_decreased, implausible: the step was not counted.
 */
export type UsageFlag = 'rollover' | 'replacement' | 'reset' | 'gap' | 'counter_decreased' | 'implausible';

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
 * Turns one meter's counter readings into usage per clock bucket. Pure: feed the returned state back
 * in with the next batch to continue where this one stopped.
 */
export function computeUsage(points: readonly CounterPoint[], options: UsageOptions = {}, previous?: CounterState): UsageResult {
  const bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
  assertBucketMs(bucketMs);
  const buckets = new Map<number, { value: number; flags: Set<UsageFlag> }>();
  const touched = new Set<number>();
  if (previous?.open && previous.open.bucketStart === bucketStartOf(previous.ts, bucketMs)) {
    buckets.set(previous.open.bucketStart, { value: previous.open.value, flags: new Set(previous.open.flags) });
  }
  const add = (b: number, value: number, flags: UsageFlag[]) => {
    let slot = buckets.get(b);
    if (!slot) buckets.set(b, (slot = { value: 0, flags: new Set() }));
    slot.value += value;
    for (const f of flags) slot.flags.add(f);
    touched.add(b);
  };

  const replacements = relevantReplacements(options);
  let next = 0;
  let state: { ts: number; value: number } | undefined = previous ? { ts: previous.ts, value: previous.value } : undefined;
  while (state && next < replacements.length && replacements[next]!.at <= state.ts) next++;
  const events: UsageEvent[] = [];
  let ignored = 0;

  for (const p of points) {
    if (!Number.isFinite(p.ts) || !Number.isFinite(p.value)) { ignored++; continue; }
    if (!state) { state = { ts: p.ts, value: p.value }; continue; }
    if (p.ts <= state.ts) { ignored++; continue; }
    const swaps: Replacement[] = [];
    while (next < replacements.length && replacements[next]!.at <= p.ts) swaps.push(replacements[next++]!);
    const step = classify(state, p, swaps, options);
    const flags: UsageFlag[] = step.flag ? [step.flag] : [];
    // A whole bucket with no reading in it: its value is an even share of the step, not a measurement.
    if (bucketStartOf(p.ts, bucketMs) - bucketStartOf(state.ts, bucketMs) > bucketMs) flags.push('gap');
    for (const s of apportion(state.ts, p.ts, step.counted, bucketMs)) add(s.bucketStart, s.value, flags);
    if (step.flag) events.push({ ts: p.ts, flag: step.flag, prev: state.value, value: p.value, counted: step.counted });
    if (step.advance) state = { ts: p.ts, value: p.value };
  }

  const intervals = [...touched].sort((a, b) => a - b).map((b) => toInterval(b, buckets.get(b)!));
  if (!state) return { intervals, state: undefined, events, ignored };
  const openStart = bucketStartOf(state.ts, bucketMs);
  const open = buckets.get(openStart);
  return { intervals, state: open ? { ...state, open: toInterval(openStart, open) } : state, events, ignored };
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
    amount > limit ? { counted: 0, flag: 'implausible', advance: true } : { counted: amount, flag, advance: true };

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
