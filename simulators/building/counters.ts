import type { MeasurementKey, Replacement } from '../../core/index.ts';
import { SLOT_MS, type BuildingModel, type ModelMeter } from './model.ts';
import { siteTime } from './schema.ts';

type Values = Partial<Record<MeasurementKey, number>>;

/**
 * Every meter's counters, integrated from the site's origin forward in time, slot by slot. Past
 * replacements restart a meter's counter at its new first value. Backfill and the live simulator
 * both start from it, so live counters continue the history without a jump.
 */
export class CounterWalk {
  t: number;
  private readonly primary: Float64Array;
  private readonly volume: Float64Array;
  private readonly pending: Array<{ at: number; meter: ModelMeter; newFirst: number }>;
  readonly replacements: Replacement[] = [];

  constructor(private readonly model: BuildingModel) {
    this.t = model.origin;
    const n = model.meters.length;
    this.primary = new Float64Array(n);
    this.volume = new Float64Array(n);
    // A parent starts where its children and losses put it.
    const start = (m: ModelMeter): number =>
      m.children.length === 0 ? m.spec.initial : m.children.reduce((s, c) => s + start(c), 0) * (1 + m.spec.losses);
    for (const m of model.meters) this.primary[m.index] = start(m);
    const { site } = model;
    this.pending = site.replacements
      .map((r) => ({ at: Math.ceil(siteTime(r.at, site.utcOffsetHours) / SLOT_MS) * SLOT_MS, meter: model.meter(r.meter), newFirst: r.newFirst }))
      .sort((a, b) => a.at - b.at);
  }

  private add(u: Float64Array): void {
    for (const m of this.model.meters) {
      const x = u[m.index]!;
      if (m.kind === 'heat') {
        this.volume[m.index]! += x;
        this.primary[m.index]! += x * this.model.heatPerM3;
      } else this.primary[m.index]! += x;
    }
  }

  private applyReplacements(): void {
    while (this.pending.length && this.pending[0]!.at <= this.t) {
      const r = this.pending.shift()!;
      const oldFinal = this.values(r.meter);
      this.primary[r.meter.index] = r.newFirst;
      this.volume[r.meter.index] = 0;
      this.replacements.push({ meter: r.meter.id, at: r.at, old_final: oldFinal, new_first: this.values(r.meter) });
    }
  }

  /** Moves to `t` (never back). Whole slots first, then the part of the last one. */
  advanceTo(t: number): void {
    if (t < this.t) throw new RangeError('the counter walk only goes forward');
    this.applyReplacements();
    while (this.t < t) {
      const slotEnd = (Math.floor(this.t / SLOT_MS) + 1) * SLOT_MS;
      const end = Math.min(slotEnd, t);
      this.add(this.model.usage(this.t, end));
      this.t = end;
      this.applyReplacements();
    }
  }

  /** Counters of one meter now, unrounded. */
  values(m: ModelMeter): Values {
    const v = this.primary[m.index]!;
    if (m.kind === 'heat') return { heat_energy_kwh: v, volume_m3: this.volume[m.index]! };
    return { [m.primary]: v };
  }
}

/** Rounds to the register resolution the backfill and the truth file share (1 Wh, 1 litre). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
