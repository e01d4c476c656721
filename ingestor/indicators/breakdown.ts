import type { BreakdownRow } from '../../core/api.ts';
import type { EndUse, EnergyKind, Facility, Zone } from '../../core/index.ts';
import type { Carrier } from '../registry/factors.ts';
import { totals, type FactorContext, type Quantities } from './energy.ts';

/** One meter's usage over the period, in its kind's unit, with the tags from its manifest. */
export interface MeterUsage {
  meter: string;
  parent?: string;
  kind: EnergyKind;
  zone: Zone;
  endUse: EndUse;
  facility?: Facility;
  quantity: number;
}

export type { BreakdownRow };

export interface Breakdown {
  by: 'zone' | 'end_use' | 'facility';
  rows: BreakdownRow[];
  /** What top-level meters measured beyond their sub-meters, per kind: unmetered load or losses. */
  unmetered: Partial<Record<EnergyKind, number>>;
}

/**
 * Splits usage by zone, end use or facility. Only leaf meters are summed (a meter no other meter
 * names as parent) so a main meter and its sub-meters are not counted twice.
 */
export function breakdown(rows: readonly MeterUsage[], by: Breakdown['by'], ctx: FactorContext): Breakdown {
  const ids = new Set(rows.map((r) => r.meter));
  const parents = new Set(rows.map((r) => r.parent).filter((p): p is string => p !== undefined));
  const leaves = rows.filter((r) => !parents.has(r.meter));
  const roots = rows.filter((r) => r.parent === undefined || !ids.has(r.parent));

  const groups = new Map<string, { q: Quantities; meters: string[] }>();
  for (const r of leaves) {
    const key = by === 'zone' ? r.zone : by === 'end_use' ? r.endUse : r.facility;
    if (key === undefined) continue;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { q: {}, meters: [] }));
    const carrier = r.kind as Carrier;
    g.q[carrier] = (g.q[carrier] ?? 0) + r.quantity;
    g.meters.push(r.meter);
  }
  const computed = [...groups.entries()].map(([key, g]) => ({ key, t: totals(g.q, ctx), meters: g.meters }));
  const all = computed.reduce((s, c) => s + (c.t.energy_kgce.value ?? 0), 0);
  const out: BreakdownRow[] = computed.map(({ key, t, meters }) => ({
    key, energy_kgce: t.energy_kgce, water_m3: t.water_m3, co2_kg: t.co2_kg,
    share: { value: all > 0 ? (t.energy_kgce.value ?? 0) / all : null, unit: '1' }, meters,
  })).sort((a, b) => a.key.localeCompare(b.key));

  const unmetered: Breakdown['unmetered'] = {};
  const sumByKind = (list: readonly MeterUsage[]) => {
    const m = new Map<EnergyKind, number>();
    for (const r of list) m.set(r.kind, (m.get(r.kind) ?? 0) + r.quantity);
    return m;
  };
  const rootSum = sumByKind(roots);
  const leafSum = sumByKind(leaves);
  for (const [kind, total] of rootSum) unmetered[kind] = total - (leafSum.get(kind) ?? 0);
  return { by, rows: out, unmetered };
}
