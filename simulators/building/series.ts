import type { MeasurementKey, Reading, Replacement } from '../../core/index.ts';
import { CounterWalk, round3 } from './counters.ts';
import type { FaultWindow } from './fault-windows.ts';
import { SLOT_MS, type BuildingModel, type LoadEffect } from './model.ts';

/** One meter at one step boundary: its main counter and the usage since the previous step. */
export interface TruthRow {
  meter: string;
  ts: number;
  measurement: MeasurementKey;
  counter: number;
  usage: number;
}

export interface SeriesOptions {
  from: number;
  to: number;
  /** A multiple of 15 minutes. */
  stepMs: number;
  /** Before `coarseBefore`, steps of `coarseStepMs` instead (history nobody reads at 15 minutes). */
  coarseStepMs?: number;
  coarseBefore?: number;
  /**
   * Faults over time: `leak` and `left_on` change what is consumed (the counters and the truth
   * follow them); `silent` and `link_drop` (the meter's whole endpoint) leave its readings out,
   * as a dead meter or link would. Other kinds act on requests and are not modelled here.
   */
  faults?: readonly FaultWindow[];
}

export interface SeriesStep {
  ts: number;
  readings: Reading[];
  truth: TruthRow[];
  /** Replacements that happened since the previous step. */
  replacements: Replacement[];
}

/**
 * Counter readings of every meter at each step boundary from `from` to `to`, computed from the
 * load model (no Modbus round trips). Values are rounded to 0.001, and the truth rows carry
 * exactly the rounded values sent.
 */
export function* series(model: BuildingModel, opts: SeriesOptions): Generator<SeriesStep> {
  for (const s of [opts.stepMs, opts.coarseStepMs ?? SLOT_MS]) {
    if (!(s >= SLOT_MS && s % SLOT_MS === 0)) throw new RangeError(`a step must be a multiple of 15 minutes, got ${s} ms`);
  }
  const installed: LoadEffect[] = [];
  for (const f of opts.faults ?? []) {
    if (f.fault.kind === 'leak' || f.fault.kind === 'left_on') installed.push(model.addEffect(f.meter, f.fault, f.from, f.to));
  }
  try {
    yield* steps(model, opts);
  } finally {
    for (const e of installed) model.removeEffect(e);
  }
}

function* steps(model: BuildingModel, opts: SeriesOptions): Generator<SeriesStep> {
  // Meters whose readings are missing over a window: the meter itself, or every meter of its endpoint.
  const silent = (opts.faults ?? []).filter((f) => f.fault.kind === 'silent' || f.fault.kind === 'link_drop').map((f) => {
    const endpoint = model.meter(f.meter).spec.endpoint;
    const ids = f.fault.kind === 'silent' ? new Set([f.meter]) : new Set(model.meters.filter((m) => m.spec.endpoint === endpoint).map((m) => m.id));
    return { ids, from: f.from, to: f.to };
  });
  const walk = new CounterWalk(model);
  let ts = Math.max(Math.ceil(opts.from / SLOT_MS) * SLOT_MS, model.origin);
  const prev = new Map<string, number>();
  let seenReplacements = 0;
  while (ts <= opts.to) {
    walk.advanceTo(ts);
    const fresh = walk.replacements.slice(seenReplacements);
    seenReplacements = walk.replacements.length;
    const rates = model.rates(ts);
    const readings: Reading[] = [];
    const truth: TruthRow[] = [];
    for (const m of model.meters) {
      const values: Partial<Record<MeasurementKey, number>> = {};
      for (const [k, v] of Object.entries(walk.values(m))) values[k as MeasurementKey] = round3(v);
      const rate = round3(rates[m.index]!);
      if (m.kind === 'electricity') values.power_kw = rate;
      else values.flow_m3h = rate;
      if (!silent.some((w) => ts >= w.from && ts < w.to && w.ids.has(m.id))) readings.push({ meter: m.id, ts, values });
      const counter = values[m.primary]!;
      const before = prev.get(m.id);
      let usage = before === undefined ? 0 : counter - before;
      const rep = fresh.find((r) => r.meter === m.id);
      if (rep && before !== undefined) usage = (round3(rep.old_final[m.primary]!) - before) + (counter - round3(rep.new_first[m.primary]!));
      truth.push({ meter: m.id, ts, measurement: m.primary, counter, usage: round3(usage) });
      prev.set(m.id, counter);
    }
    yield { ts, readings, truth, replacements: fresh };
    const coarse = opts.coarseBefore !== undefined && opts.coarseStepMs !== undefined && ts < opts.coarseBefore;
    const next = ts + (coarse ? opts.coarseStepMs! : opts.stepMs);
    // The last coarse step stops at the boundary, where fine steps take over.
    ts = coarse && next > opts.coarseBefore! ? opts.coarseBefore! : next;
  }
}
