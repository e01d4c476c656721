import type { MonthlyRow } from '../../core/api.ts';
import { ENERGY_KINDS, ZmError, type EnergyKind } from '../../core/index.ts';
import type { Carrier } from '../registry/factors.ts';
import { findSite } from '../registry/lookup.ts';
import type { Registry } from '../registry/schema.ts';
import { totals, yearContext, type FactorUse } from './energy.ts';
import { epochBounds, type LocalPeriod, type Period } from './period.ts';
import { buildingQuantities, type MeterTotal } from './quantities.ts';
import { completenessByBuilding, DEFAULT_COMPLETENESS_THRESHOLD } from './completeness.ts';
import type { SiteReportInput } from './site-report.ts';

export type { MonthlyRow };

export interface MonthlyTable {
  site: string;
  year: number;
  rows: MonthlyRow[];
  vintages: FactorUse[];
  completenessThreshold: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

const monthsOf = (year: number): LocalPeriod[] => Array.from({ length: 12 }, (_, i) => ({
  from: `${year}-${pad(i + 1)}-01`, to: i === 11 ? `${year + 1}-01-01` : `${year}-${pad(i + 2)}-01`, year, months: null,
}));

/** The twelve local months of `year` at the site, as epoch bounds: what monthlyTable needs totals for. */
export function monthBounds(registry: Registry, siteId: string, year: number): Period[] {
  const found = findSite(registry, siteId);
  if (!found) throw new ZmError('ERR_NOT_FOUND', `the registry has no site "${siteId}"`);
  return monthsOf(year).map((m) => epochBounds(m, found.site.utcOffset));
}

/**
 * Per local month, per building and kind: the quantity (same rule as the indicators), its kgce and
 * CO₂, from the per-meter totals of each month of monthBounds (same order).
 */
export function monthlyTable(registry: Registry, siteId: string, year: number, all: readonly MeterTotal[][], input: SiteReportInput): MonthlyTable {
  const { parentOf } = input;
  const threshold = registry.completenessThreshold ?? DEFAULT_COMPLETENESS_THRESHOLD;
  const found = findSite(registry, siteId);
  if (!found) throw new ZmError('ERR_NOT_FOUND', `the registry has no site "${siteId}"`);
  const { site } = found;
  const months = monthsOf(year);
  const bounds = months.map((m) => epochBounds(m, site.utcOffset));
  const ctx = yearContext(registry.factors, site, year);
  const vintages = new Map<string, FactorUse>();
  const rows: MonthlyRow[] = [];
  all.forEach((meterRows, i) => {
    const complete = completenessByBuilding(meterRows, input.meters, bounds[i]!.to - bounds[i]!.from, parentOf);
    for (const [building, q] of buildingQuantities(meterRows, parentOf)) {
      for (const [carrier, quantity] of Object.entries(q.quantities) as [Carrier, number][]) {
        const t = totals({ [carrier]: quantity }, ctx);
        for (const v of t.vintages) vintages.set(v.id, v);
        const water = carrier === 'water';
        const completeness = complete.get(building)?.[carrier as EnergyKind] ?? 0;
        rows.push({
          month: months[i]!.from.slice(0, 7), building, kind: carrier as EnergyKind, quantity, unit: ENERGY_KINDS[carrier as EnergyKind].unit,
          energy_kgce: water ? null : t.energy_kgce.value, co2_kg: water ? null : t.co2_kg.value,
          completeness, complete: completeness >= threshold,
        });
      }
    }
  });
  rows.sort((a, b) => a.month.localeCompare(b.month) || a.building.localeCompare(b.building) || a.kind.localeCompare(b.kind));
  return { site: siteId, year, rows, vintages: [...vintages.values()], completenessThreshold: threshold };
}
