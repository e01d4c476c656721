import type { EnergyKind, MeasurementKey } from '../../core/index.ts';
import { WATER_HEAT_KWH_PER_M3K } from '../meter/physics.ts';
import { DAY, HOUR, dayFactor, dayInfo, shapeAt, type DayInfo, type ProfileName } from './loads.ts';
import { kindOf, siteTime, type Site, type SiteMeter } from './schema.ts';

export const SLOT_MS = 15 * 60_000;

/** A fault that changes real consumption, on meter `meter` (index) over [from, to). */
export type LoadEffect = ({ kind: 'leak'; flowM3h: number } | { kind: 'left_on' }) & { meter: number; from: number; to: number };

export interface ModelMeter {
  readonly index: number;
  readonly spec: SiteMeter;
  readonly id: string;
  readonly building: string;
  readonly kind: EnergyKind;
  readonly children: ModelMeter[];
  readonly parent: ModelMeter | undefined;
  /** The counter that carries the meter's usage (energy, volume or heat). */
  readonly primary: MeasurementKey;
}

const PRIMARY: Record<EnergyKind, MeasurementKey> = {
  electricity: 'energy_import_kwh', water: 'volume_m3', heat: 'heat_energy_kwh',
  gas: 'gas_volume_m3', cooling: 'cooling_energy_kwh', other: 'energy_import_kwh',
};

/**
 * The load model of a site. Leaf meters follow a load shape × scale; a parent draws the sum of
 * its children plus its losses, so a main meter equals its sub-meters plus losses at every
 * instant and over every interval. Everything is a pure function of time and the seed.
 */
export class BuildingModel {
  readonly meters: ModelMeter[];
  /** Children before parents, so one pass fills a whole hierarchy. */
  private readonly order: ModelMeter[];
  readonly origin: number;
  readonly offsetMs: number;
  /** kWh of heat per m³ of circulation water, from the site's supply and return temperatures. */
  readonly heatPerM3: number;
  private readonly days = new Map<number, DayInfo>();
  /** Faults that change what is really consumed (leak, left_on), each over [from, to). */
  private effects: LoadEffect[] = [];

  constructor(readonly site: Site) {
    this.offsetMs = site.utcOffsetHours * HOUR;
    this.origin = siteTime(site.origin, site.utcOffsetHours);
    this.heatPerM3 = (site.heating.supplyC - site.heating.returnC) * WATER_HEAT_KWH_PER_M3K;
    const specs = site.buildings.flatMap((b) => b.meters.map((m) => ({ m, building: b.id })));
    const made = new Map<string, ModelMeter & { children: ModelMeter[] }>();
    specs.forEach(({ m, building }, index) => {
      const kind = kindOf(m);
      made.set(m.id, { index, spec: m, id: m.id, building, kind, children: [], parent: undefined, primary: PRIMARY[kind] });
    });
    for (const mm of made.values()) {
      if (!mm.spec.parent) continue;
      const p = made.get(mm.spec.parent)!;
      p.children.push(mm);
      (mm as { parent: ModelMeter | undefined }).parent = p;
    }
    this.meters = [...made.values()];
    const depth = (m: ModelMeter): number => (m.parent ? 1 + depth(m.parent) : 0);
    this.order = [...this.meters].sort((a, b) => depth(b) - depth(a));
  }

  meter(id: string): ModelMeter {
    const m = this.meters.find((x) => x.id === id);
    if (!m) throw new RangeError(`no meter "${id}"`);
    return m;
  }

  private day(localDay: number): DayInfo {
    let d = this.days.get(localDay);
    if (!d) {
      d = dayInfo(localDay);
      if (this.days.size > 4000) this.days.clear();
      this.days.set(localDay, d);
    }
    return d;
  }

  private leafRate(m: ModelMeter, d: DayInfo, h: number, t: number): number {
    const p = m.spec.profile as ProfileName;
    // Left on: a weekend or holiday runs as a working day would (the day's noise and trend stay).
    const shapeDay = !d.working && this.effects.length && this.leftOn(m, t) ? { ...d, working: true } : d;
    return (m.spec.scale ?? 0) * dayFactor(this.site.seed, m.index, p, d) * shapeAt(p, shapeDay, h);
  }

  private leftOn(m: ModelMeter, t: number): boolean {
    for (const e of this.effects) {
      if (e.kind !== 'left_on' || t < e.from || t >= e.to) continue;
      for (let q: ModelMeter | undefined = m; q; q = q.parent) if (q.index === e.meter) return true;
    }
    return false;
  }

  /** Leak flow of a meter's own pipe over [t0, t1] in m³ (t1 = t0 for the rate in m³/h). */
  private leak(m: ModelMeter, t0: number, t1: number): number {
    let sum = 0;
    for (const e of this.effects) {
      if (e.kind !== 'leak' || e.meter !== m.index) continue;
      if (t1 === t0) { if (t0 >= e.from && t0 < e.to) sum += e.flowM3h; continue; }
      const overlap = Math.min(t1, e.to) - Math.max(t0, e.from);
      if (overlap > 0) sum += e.flowM3h * (overlap / HOUR);
    }
    return sum;
  }

  /** Starts a load fault on a meter over [from, to); returns it, for removeEffect. */
  addEffect(meterId: string, effect: { kind: 'leak'; flowM3h: number } | { kind: 'left_on' }, from = -Infinity, to = Infinity): LoadEffect {
    const e = { ...effect, meter: this.meter(meterId).index, from, to } as LoadEffect;
    this.effects = [...this.effects, e];
    return e;
  }

  removeEffect(e: LoadEffect): void {
    this.effects = this.effects.filter((x) => x !== e);
  }

  /** Base rate of every meter at t (kW, or m³/h of water), indexed like `meters`. */
  rates(t: number): Float64Array {
    const local = t + this.offsetMs;
    const localDay = Math.floor(local / DAY);
    return this.combine((m) => this.leafRate(m, this.day(localDay), (local - localDay * DAY) / HOUR, t), (m) => this.leak(m, t, t));
  }

  rate(id: string, t: number): number {
    return this.rates(t)[this.meter(id).index]!;
  }

  /**
   * Base usage of every meter over [t0, t1], both inside one 15-minute slot (t1 may be the slot's
   * end). Shapes are linear inside a slot, so the trapezoid rule is exact.
   */
  usage(t0: number, t1: number): Float64Array {
    const local = t0 + this.offsetMs;
    const localDay = Math.floor(local / DAY);
    const d = this.day(localDay);
    const h0 = (local - localDay * DAY) / HOUR;
    const h1 = h0 + (t1 - t0) / HOUR;
    const hours = (t1 - t0) / HOUR;
    // Effects are judged at the slot's middle: they start and end on slot boundaries when scheduled so.
    const mid = (t0 + t1) / 2;
    return this.combine((m) => ((this.leafRate(m, d, h0, mid) + this.leafRate(m, d, h1, mid)) / 2) * hours, (m) => this.leak(m, t0, t1));
  }

  private combine(leaf: (m: ModelMeter) => number, extra: (m: ModelMeter) => number): Float64Array {
    const out = new Float64Array(this.meters.length);
    const any = this.effects.length > 0;
    for (const m of this.order) {
      if (m.children.length === 0) out[m.index] = leaf(m);
      else {
        let sum = 0;
        for (const c of m.children) sum += out[c.index]!;
        out[m.index] = sum * (1 + m.spec.losses);
      }
      // A leak in a meter's own pipe reaches it and, through the sum, every meter above it.
      if (any) out[m.index]! += extra(m);
    }
    return out;
  }
}
