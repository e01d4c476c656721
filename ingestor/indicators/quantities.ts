import type { EndUse, EnergyKind, Facility, Zone } from '../../core/index.ts';
import type { Carrier } from '../registry/factors.ts';
import type { MeterUsage } from './breakdown.ts';
import type { Quantities } from './energy.ts';

/** One meter's usage over a period, from the daily rollups, with the tags it was written with. */
export interface MeterTotal {
  meter: string;
  building: string;
  kind: EnergyKind;
  role: 'main' | 'sub';
  zone: Zone;
  endUse: EndUse;
  facility?: Facility;
  quantity: number;
  /** Milliseconds of the period covered by measured usage. */
  measuredMs: number;
}

/** How a building's quantity of a kind was taken, for the answer to say. */
export type QuantitySource = 'main' | 'top_level_meters';

export interface BuildingQuantities {
  quantities: Quantities;
  sources: Partial<Record<EnergyKind, { source: QuantitySource; meters: string[] }>>;
}

/**
 * A building's quantity of each kind. The rule: the sum of its main meters of that kind; where it
 * has none, the sum of its top-level meters of that kind (those whose parent is not a meter of the
 * same building and kind), so a sub-meter under another sub-meter is not counted twice. Unmetered
 * load is then missing from the figure, which the coverage and balance answers show.
 */
/** The meters a building's quantity of one kind is taken from: its main meters, else its top-level ones. */
export function pickCounted<T extends { meter: string; role: 'main' | 'sub' }>(list: readonly T[], parentOf: (meter: string) => string | undefined): T[] {
  const ids = new Set(list.map((r) => r.meter));
  const mains = list.filter((r) => r.role === 'main');
  return mains.length ? mains : list.filter((r) => !ids.has(parentOf(r.meter) ?? ''));
}

export function buildingQuantities(rows: readonly MeterTotal[], parentOf: (meter: string) => string | undefined): Map<string, BuildingQuantities> {
  const out = new Map<string, BuildingQuantities>();
  const groups = new Map<string, MeterTotal[]>();
  for (const r of rows) {
    const k = `${r.building}\u0000${r.kind}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  for (const list of groups.values()) {
    const { building, kind } = list[0]!;
    const picked = pickCounted(list, parentOf);
    const mains = picked.length && picked[0]!.role === 'main';
    let b = out.get(building);
    if (!b) out.set(building, (b = { quantities: {}, sources: {} }));
    const carrier = kind as Carrier;
    b.quantities[carrier] = (b.quantities[carrier] ?? 0) + picked.reduce((s, r) => s + r.quantity, 0);
    b.sources[kind] = { source: mains ? 'main' : 'top_level_meters', meters: picked.map((r) => r.meter).sort() };
  }
  return out;
}

export function toMeterUsage(rows: readonly MeterTotal[], parentOf: (meter: string) => string | undefined): MeterUsage[] {
  return rows.map((r) => {
    const parent = parentOf(r.meter);
    const u: MeterUsage = { meter: r.meter, kind: r.kind, zone: r.zone, endUse: r.endUse, quantity: r.quantity };
    if (parent) u.parent = parent;
    if (r.facility) u.facility = r.facility;
    return u;
  });
}
