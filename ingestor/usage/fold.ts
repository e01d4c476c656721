import type { StepShare } from './counter.ts';
import { USAGE_15M, USAGE_1D, USAGE_1H, USAGE_1MO, usageLine, type UsageFigures } from './lines.ts';
import { periodOf } from './rollup.ts';

/** An interval's figures so far, by its start (epoch ms). */
export interface Tally extends UsageFigures {
  start: number;
}

/**
 * What a meter's usage carries between batches: the open 15-minute bucket (total so far) and, for
 * the hour, local day and local month it falls in, the sums of the buckets before it. With these a
 * batch writes its periods' totals without reading anything back.
 */
export interface FoldState {
  open: Tally | null;
  hour: Tally | null;
  day: Tally | null;
  month: Tally | null;
}

export const EMPTY_FOLD: FoldState = { open: null, hour: null, day: null, month: null };

const ROLLUPS = [
  { key: 'hour', period: 'hour', measurement: USAGE_1H },
  { key: 'day', period: 'day', measurement: USAGE_1D },
  { key: 'month', period: 'month', measurement: USAGE_1MO },
] as const;

const zero = (start: number): Tally => ({ start, value: 0, estimated: 0, measuredMs: 0 });
const plus = (a: Tally, b: UsageFigures): Tally => ({ start: a.start, value: a.value + b.value, estimated: a.estimated + b.estimated, measuredMs: a.measuredMs + b.measuredMs });

/**
 * Folds a meter's bucket shares, which come in bucket order, into line-protocol points: each
 * 15-minute bucket once it is complete, each hour, day and month when the next one starts, and
 * at finish() the open ones with their totals so far. Memory stays constant whatever the span:
 * lines go to `emit` as they are made.
 */
export class UsageFolder {
  private open: Tally | null;
  private readonly acc: Record<'hour' | 'day' | 'month', Tally | null>;
  private readonly dirty = { hour: false, day: false, month: false };

  /** `touched`: told each local month a point is written for, with its totals, so readers can tell what changed. */
  constructor(private readonly series: string, private readonly offsetMs: number, state: FoldState, private readonly emit: (line: string) => void, private readonly touched?: (monthStart: number, month: UsageFigures) => void) {
    this.open = state.open && { ...state.open };
    this.acc = { hour: state.hour && { ...state.hour }, day: state.day && { ...state.day }, month: state.month && { ...state.month } };
  }

  add(s: StepShare): void {
    const figures: UsageFigures = { value: s.value, estimated: s.estimated ? s.value : 0, measuredMs: s.estimated ? 0 : s.overlapMs };
    if (this.open && this.open.start === s.bucketStart) {
      this.open = plus(this.open, figures);
      return;
    }
    if (this.open) {
      if (s.bucketStart < this.open.start) throw new RangeError(`usage share for ${new Date(s.bucketStart).toISOString()} comes after ${new Date(this.open.start).toISOString()}`);
      this.close(this.open);
    }
    this.open = plus(zero(s.bucketStart), figures);
  }

  /** Writes the open bucket and every period not yet written, and returns what the next batch continues from. */
  finish(): FoldState {
    const open = this.open;
    if (open) this.emit(usageLine(USAGE_15M, this.series, open.start, open));
    for (const r of ROLLUPS) {
      let acc = this.acc[r.key];
      if (!open) {
        if (acc && this.dirty[r.key]) this.line(r, acc);
        this.dirty[r.key] = false;
        continue;
      }
      const start = periodOf(open.start, r.period, this.offsetMs).start;
      if (acc && acc.start !== start) {
        if (this.dirty[r.key]) this.line(r, acc);
        acc = null;
      }
      acc ??= zero(start);
      this.acc[r.key] = acc;
      this.line(r, plus(acc, open));
      this.dirty[r.key] = false;
    }
    return { open: open && { ...open }, hour: this.acc.hour && { ...this.acc.hour }, day: this.acc.day && { ...this.acc.day }, month: this.acc.month && { ...this.acc.month } };
  }

  private line(r: (typeof ROLLUPS)[number], t: Tally): void {
    this.emit(usageLine(r.measurement, this.series, t.start, t));
    if (r.key === 'month') this.touched?.(t.start, t);
  }

  private close(b: Tally): void {
    this.emit(usageLine(USAGE_15M, this.series, b.start, b));
    for (const r of ROLLUPS) {
      const start = periodOf(b.start, r.period, this.offsetMs).start;
      let acc = this.acc[r.key];
      if (!acc || acc.start !== start) {
        if (acc && this.dirty[r.key]) this.line(r, acc);
        acc = zero(start);
      }
      this.acc[r.key] = plus(acc, b);
      this.dirty[r.key] = true;
    }
  }
}
