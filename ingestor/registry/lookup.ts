import { planTable, type Plan } from './plans.ts';
import type { Building, ClimateZone, Institution, InstitutionType, Registry, Site } from './schema.ts';
import type { GridRegion } from './factors.ts';

export interface ResolvedBuilding {
  institution: Institution;
  site: Site;
  building: Building;
  type: InstitutionType;
  climateZone: ClimateZone;
  gridRegion: GridRegion;
  utcOffset: string;
  /** The site's plans plus any plan scoped to its institution. */
  plans: Plan[];
}

export function findSite(registry: Registry, siteId: string): { institution: Institution; site: Site } | undefined {
  for (const institution of registry.institutions) {
    const site = institution.sites.find((s) => s.id === siteId);
    if (site) return { institution, site };
  }
  return undefined;
}

export function findBuilding(registry: Registry, siteId: string, buildingId: string): ResolvedBuilding | undefined {
  const found = findSite(registry, siteId);
  const building = found?.site.buildings.find((b) => b.id === buildingId);
  if (!found || !building) return undefined;
  const table = planTable(registry.plans);
  const plans = found.site.plans.map((id) => table.get(id)).filter((p): p is Plan => p !== undefined);
  for (const p of registry.plans) if (p.institution === found.institution.id && !plans.includes(p)) plans.push(p);
  return {
    institution: found.institution, site: found.site, building, type: found.institution.type,
    climateZone: found.site.climateZone, gridRegion: found.site.gridRegion, utcOffset: found.site.utcOffset, plans,
  };
}

const DAY = 86_400_000;
const dayNumber = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;

/**
 * How a period's floor area is taken.
 * time_weighted (default): the mean of the effective-dated area over the period's days. Energy in a
 * period was used by the floor area that stood during it: a wing opened in October adds a quarter
 * year of energy, so it adds a quarter of its area. For a year without changes it equals the year's area.
 * year_end: the area on the period's last day, as statistical forms that ask for 年末建筑面积 do.
 */
export type AreaMethod = 'time_weighted' | 'year_end';

/**
 * Floor area for local dates [from, to). Days before the first entry count as 0 m² (the building
 * did not stand yet). undefined when the building has no area in the whole period.
 */
export function areaFor(building: Pick<Building, 'area'>, from: string, to: string, method: AreaMethod = 'time_weighted'): number | undefined {
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (!(end > start)) throw new RangeError(`empty period ${from} → ${to}`);
  const entries = building.area.map((e) => ({ day: dayNumber(e.from), m2: e.m2 }));
  if (method === 'year_end') {
    const last = entries.filter((e) => e.day <= end - 1).at(-1);
    return last?.m2;
  }
  let weighted = 0;
  entries.forEach((e, i) => {
    const next = entries[i + 1]?.day ?? Infinity;
    const overlap = Math.min(next, end) - Math.max(e.day, start);
    if (overlap > 0) weighted += e.m2 * overlap;
  });
  return weighted > 0 ? weighted / (end - start) : undefined;
}

/**
 * 用能人数 for local dates [from, to). The policy's figure is already an annual (daily-average)
 * count, so a period inside one year takes that year's figure; a period across years weights each
 * year by its days in the period. undefined when a year the period touches has no figure.
 */
export function headcountFor(building: Pick<Building, 'headcount'>, from: string, to: string): number | undefined {
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (!(end > start)) throw new RangeError(`empty period ${from} → ${to}`);
  const byYear = new Map(building.headcount.map((h) => [h.year, h.persons]));
  let weighted = 0;
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
    const overlap = Math.min(dayNumber(`${y + 1}-01-01`), end) - Math.max(dayNumber(`${y}-01-01`), start);
    if (overlap <= 0) continue;
    const persons = byYear.get(y);
    if (persons === undefined) return undefined;
    weighted += persons * overlap;
  }
  return weighted / (end - start);
}

/** The local-date bounds [from, to) of a calendar year, or of its first `months` months. */
export function yearPeriod(year: number, months = 12): { from: string; to: string } {
  if (!Number.isInteger(months) || months < 1 || months > 12) throw new RangeError(`months must be 1–12, got ${months}`);
  const to = months === 12 ? `${year + 1}-01-01` : `${year}-${String(months + 1).padStart(2, '0')}-01`;
  return { from: `${year}-01-01`, to };
}
