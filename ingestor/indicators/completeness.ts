import type { EnergyKind } from '../../core/index.ts';
import type { Measure } from './energy.ts';
import type { IndicatorSet } from './intensity.ts';
import { pickCounted, type MeterTotal } from './quantities.ts';

/** A meter the directory knows: what a building's quantity of a kind is expected to come from. */
export interface ExpectedMeter {
  id: string;
  building: string;
  kind: EnergyKind;
  role: 'main' | 'sub';
  parent?: string;
}

/** Share (0–1) of a period covered by measured usage, per energy kind. */
export type KindCompleteness = Partial<Record<EnergyKind, number>>;

/** Why a figure is null rather than a number. */
export type NullReason = 'incomplete' | 'no_data' | 'future';

export const DEFAULT_COMPLETENESS_THRESHOLD = 0.95;

/**
 * Per building and kind, the share of the period covered by measured usage: the least among the
 * meters the quantity is taken from (the same rule as the quantity: its main meters, else its
 * top-level meters). A kind the directory's meters measure in a building but with no usage at all
 * in the period is 0. A meter with no usage in the period is taken as not installed then (a meter
 * added later, or one swapped for a new id), not as a gap: dead meters are what coverage's live
 * rate shows. Usage spread across a long gap counts in the quantity but not here.
 */
export function completenessByBuilding(rows: readonly MeterTotal[], expected: readonly ExpectedMeter[], periodMs: number, parentOf: (meter: string) => string | undefined): Map<string, KindCompleteness> {
  if (!(periodMs > 0)) throw new RangeError(`a period must have a positive length (got ${periodMs} ms)`);
  const measured = new Map<string, number>();
  const groups = new Map<string, Map<string, 'main' | 'sub'>>();
  const join = (building: string, kind: string, meter: string, role: 'main' | 'sub') => {
    const k = `${building}\u0000${kind}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = new Map()));
    if (role === 'main' || !g.has(meter)) g.set(meter, role);
  };
  for (const r of rows) {
    // A meter whose tags changed within the period has a row per tag set: its time adds up.
    const k = `${r.building}\u0000${r.meter}`;
    measured.set(k, (measured.get(k) ?? 0) + r.measuredMs);
    join(r.building, r.kind, r.meter, r.role);
  }
  const out = new Map<string, KindCompleteness>();
  for (const m of expected) {
    let b = out.get(m.building);
    if (!b) out.set(m.building, (b = {}));
    b[m.kind] = 0;
  }
  for (const [k, g] of groups) {
    const [building, kind] = k.split('\u0000') as [string, EnergyKind];
    const picked = pickCounted([...g].map(([meter, role]) => ({ meter, role })), parentOf);
    let least = 1;
    for (const { meter } of picked) least = Math.min(least, Math.min(1, (measured.get(`${building}\u0000${meter}`) ?? 0) / periodMs));
    let b = out.get(building);
    if (!b) out.set(building, (b = {}));
    b[kind] = least;
  }
  return out;
}

/** The least complete of several scopes, kind by kind (a site from its buildings). */
export function leastComplete(all: readonly KindCompleteness[]): KindCompleteness {
  const out: KindCompleteness = {};
  for (const c of all) {
    for (const [kind, v] of Object.entries(c) as [EnergyKind, number][]) out[kind] = Math.min(out[kind] ?? 1, v);
  }
  return out;
}

const ENERGY_FIGURES = ['energy_kgce', 'co2_kg', 'kgce_per_m2', 'kgce_per_capita', 'kgco2_per_m2'] as const;
const WATER_FIGURES = ['water_m3', 'water_m3_per_capita'] as const;

/**
 * Nulls every figure whose quantities are less complete than `threshold`, with the reason and the
 * completeness, so a period without (enough) data never reads as a low consumption. Energy figures
 * depend on every energy kind the scope has, water figures on water. `present`: the kinds that have
 * any usage in the period (measured or estimated); a kind without any is `no_data`.
 */
export function withCompleteness(set: IndicatorSet, completeness: KindCompleteness, threshold: number, future: boolean, present: ReadonlySet<string>): IndicatorSet {
  const energyKinds = (Object.keys(completeness) as EnergyKind[]).filter((k) => k !== 'water');
  const energy = energyKinds.length ? Math.min(...energyKinds.map((k) => completeness[k]!)) : undefined;
  const judge = (c: number | undefined, any: boolean): { reason: NullReason; completeness?: number } | null => {
    if (future) return { reason: 'future' };
    if (c === undefined || !any) return { reason: 'no_data' };
    return c < threshold ? { reason: 'incomplete', completeness: c } : null;
  };
  const out = { ...set } as IndicatorSet;
  const apply = (keys: readonly string[], c: number | undefined, any: boolean) => {
    const why = judge(c, any);
    for (const key of keys) {
      const m = (set as unknown as Record<string, Measure>)[key]!;
      (out as unknown as Record<string, Measure>)[key] = why ? { value: null, unit: m.unit, ...why } : { ...m, completeness: c! };
    }
  };
  apply(ENERGY_FIGURES, energy, energyKinds.some((k) => present.has(k)));
  apply(WATER_FIGURES, completeness.water, present.has('water'));
  return out;
}
