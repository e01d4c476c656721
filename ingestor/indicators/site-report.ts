import { ENERGY_KINDS, ZmError, type EnergyKind } from '../../core/index.ts';
import { areaFor, findBuilding, findSite, headcountFor } from '../registry/lookup.ts';
import { plansInForce, type Plan } from '../registry/plans.ts';
import type { Building, Registry, Site } from '../registry/schema.ts';
import { breakdown, type BreakdownRow } from './breakdown.ts';
import { completenessByBuilding, DEFAULT_COMPLETENESS_THRESHOLD, leastComplete, withCompleteness, type ExpectedMeter, type KindCompleteness } from './completeness.ts';
import { addQuantities, yearContext, type FactorUse, type Measure, type Quantities } from './energy.ts';
import { computeIndicators, type IndicatorSet } from './intensity.ts';
import { epochBounds, resolvePeriod, shiftPeriod, type LocalPeriod, type Period, type PeriodRequest } from './period.ts';
import { planProgress, type IndicatorProgress } from './progress.ts';
import { buildingQuantities, toMeterUsage, type BuildingQuantities, type MeterTotal } from './quantities.ts';

export interface PlanResult {
  plan: string;
  name: string;
  baseYear: number;
  targetYear: number;
  basePeriod: LocalPeriod;
  base: IndicatorSet;
  /** Share of the base period covered by measured usage, per kind. */
  baseCompleteness: KindCompleteness;
  progress: IndicatorProgress[];
}

export interface ScopeResult {
  indicators: IndicatorSet;
  /** Share of the period covered by measured usage, per kind (the least complete building for the site). */
  completeness: KindCompleteness;
  quantities: Partial<Record<EnergyKind, Measure>>;
  sources: BuildingQuantities['sources'];
  plans: PlanResult[];
  breakdown: { zone: BreakdownRow[]; end_use: BreakdownRow[] };
}

export interface SiteReport {
  site: string;
  name: string | null;
  period: LocalPeriod;
  quantityRule: string;
  total: ScopeResult;
  buildings: (ScopeResult & { building: string; name: string | null })[];
  vintages: FactorUse[];
  /** Below this completeness a figure is null with the reason (registry completenessThreshold). */
  completenessThreshold: number;
  /** The least complete building and kind of the period, null when the site has no metered kind. */
  completenessMin: number | null;
}

export interface SiteReportInput {
  parentOf: (meter: string) => string | undefined;
  /** Meters the directory knows for the site: a kind they meter that has no usage counts as incomplete. */
  meters: readonly ExpectedMeter[];
  now: number;
}

/** The periods a site report compares: the one asked for, then each plan's base year over the same dates. */
export interface ReportPeriods {
  siteId: string;
  site: Site;
  period: LocalPeriod;
  plans: Plan[];
  baseYears: number[];
  /** `period`, then one per base year, in local dates. */
  periods: LocalPeriod[];
  /** The same, as epoch bounds: the per-meter totals are read for these, in this order. */
  bounds: Period[];
}

export const QUANTITY_RULE = 'Per building and kind: the sum of its main meters (role main) from the daily rollups; where a building has no main meter of a kind, the sum of its top-level meters of that kind (meters whose parent is not another meter of the same building and kind). The site is the sum of its buildings.';

interface Scope {
  area: (p: LocalPeriod) => number | undefined;
  headcount: (p: LocalPeriod) => number | undefined;
  quantities: (i: number) => Quantities;
  sources: (i: number) => BuildingQuantities['sources'];
  rows: (i: number) => MeterTotal[];
  completeness: (i: number) => KindCompleteness;
}

const sumDefined = (values: (number | undefined)[]) => (values.some((v) => v === undefined) ? undefined : values.reduce<number>((s, v) => s + v!, 0));

/** Which periods a report of `req` needs totals for; refuses an unknown site or a malformed period. */
export function reportPeriods(registry: Registry, siteId: string, req: PeriodRequest, now: number): ReportPeriods {
  const found = findSite(registry, siteId);
  if (!found) throw new ZmError('ERR_NOT_FOUND', `the registry has no site "${siteId}"`);
  const { site } = found;
  let period: LocalPeriod;
  try {
    period = resolvePeriod(req, site.utcOffset, now);
  } catch (err) {
    throw new ZmError('ERR_BAD_REQUEST', (err as Error).message);
  }
  const plans: Plan[] = plansInForce(findBuilding(registry, siteId, site.buildings[0]!.id)!.plans, period.year);
  const baseYears = [...new Set(plans.map((p) => p.baseYear))];
  const periods = [period, ...baseYears.map((y) => shiftPeriod(period, y))];
  return { siteId, site, period, plans, baseYears, periods, bounds: periods.map((p) => epochBounds(p, site.utcOffset)) };
}

/**
 * Indicators of a site and each of its buildings for a period, against the base year of every plan
 * in force (over the same dates), from the per-meter totals of each of `at.bounds` (same order).
 */
export function siteReport(registry: Registry, at: ReportPeriods, totals: readonly MeterTotal[][], input: SiteReportInput): SiteReport {
  const { parentOf, now } = input;
  const { siteId, site, period, plans, baseYears, periods, bounds } = at;
  const perBuilding = totals.map((rows) => buildingQuantities(rows, parentOf));
  const threshold = registry.completenessThreshold ?? DEFAULT_COMPLETENESS_THRESHOLD;
  const complete = totals.map((rows, i) => completenessByBuilding(rows, input.meters, bounds[i]!.to - bounds[i]!.from, parentOf));
  const future = bounds.map((b) => b.from >= now);
  const vintages = new Map<string, FactorUse>();
  // One factor context per data year, shared by the site and every building.
  const contexts = new Map(periods.map((p) => [p.year, yearContext(registry.factors, site, p.year)]));

  const evaluate = (scope: Scope): ScopeResult => {
    const set = (i: number) => {
      const p = periods[i]!;
      const raw = computeIndicators({ ...contexts.get(p.year)!, quantities: scope.quantities(i), areaM2: scope.area(p), headcount: scope.headcount(p) });
      const s = withCompleteness(raw, scope.completeness(i), threshold, future[i]!, new Set(Object.keys(scope.quantities(i))));
      for (const v of s.vintages) vintages.set(`${v.id}|${v.via}`, v);
      return s;
    };
    const indicators = set(0);
    const results: PlanResult[] = plans.map((plan) => {
      const i = 1 + baseYears.indexOf(plan.baseYear);
      const base = set(i);
      return { plan: plan.id, name: plan.name, baseYear: plan.baseYear, targetYear: plan.targetYear, basePeriod: periods[i]!, base, baseCompleteness: scope.completeness(i), progress: planProgress(plan, base, indicators, period.year) };
    });
    const usage = toMeterUsage(scope.rows(0), parentOf);
    const ctx = contexts.get(period.year)!;
    const q = scope.quantities(0);
    const quantities = Object.fromEntries(Object.entries(q).map(([k, v]) => [k, { value: v, unit: ENERGY_KINDS[k as EnergyKind]?.unit ?? '' }]));
    return { indicators, completeness: scope.completeness(0), quantities, sources: scope.sources(0), plans: results, breakdown: { zone: breakdown(usage, 'zone', ctx).rows, end_use: breakdown(usage, 'end_use', ctx).rows } };
  };

  const ofBuilding = (b: Building): Scope => ({
    area: (p) => areaFor(b, p.from, p.to),
    headcount: (p) => headcountFor(b, p.from, p.to),
    quantities: (i) => perBuilding[i]!.get(b.id)?.quantities ?? {},
    sources: (i) => perBuilding[i]!.get(b.id)?.sources ?? {},
    rows: (i) => totals[i]!.filter((r) => r.building === b.id),
    completeness: (i) => complete[i]!.get(b.id) ?? {},
  });
  const buildings = site.buildings.map((b) => ({ building: b.id, name: b.name ?? null, ...evaluate(ofBuilding(b)) }));
  const scopes = site.buildings.map(ofBuilding);
  const total = evaluate({
    area: (p) => sumDefined(scopes.map((s) => s.area(p))),
    headcount: (p) => sumDefined(scopes.map((s) => s.headcount(p))),
    quantities: (i) => addQuantities(...scopes.map((s) => s.quantities(i))),
    sources: () => ({}),
    rows: (i) => totals[i]!.filter((r) => site.buildings.some((b) => b.id === r.building)),
    completeness: (i) => leastComplete(scopes.map((s) => s.completeness(i))),
  });
  const least = Object.values(total.completeness);
  return {
    site: siteId, name: site.name ?? null, period, quantityRule: QUANTITY_RULE, total, buildings, vintages: [...vintages.values()],
    completenessThreshold: threshold, completenessMin: least.length ? Math.min(...least) : null,
  };
}
