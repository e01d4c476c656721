import { api, ApiError, type IndicatorKey, type MeterInfo, type ReportScope, type SiteReport } from './api.ts';
import type { Lang } from './i18n.ts';
import { renderCoverage } from './views/coverage.ts';
import { buildFlow, renderFlow } from './views/flow.ts';
import { INDICATORS, renderIndicators, renderTrend, type CardSection, type IndicatorCard } from './views/overview.ts';

export interface Scope { site: string; building: string; lang: Lang }

const scopeOf = (r: SiteReport, building: string): ReportScope | undefined =>
  building ? r.buildings.find((b) => b.building === building) : r.total;

/** The cards read the first plan in force; without a plan they still show the current value. */
export function cardsOf(scope: ReportScope): IndicatorCard[] {
  const plan = scope.plans[0];
  return INDICATORS.map((key) => {
    const p = plan?.progress.find((x) => x.indicator === key);
    const m = scope.indicators[key];
    return {
      key, unit: m.unit, now: m.value, reason: m.reason ?? null, completeness: m.completeness ?? null,
      baseYear: p?.baseYear ?? null, base: p?.base.value ?? null, decline: p?.decline.value ?? null,
      target: p?.target.value ?? null, achieved: p?.achieved.value ?? null, requiredYearlyDecline: p?.requiredYearlyDecline.value ?? null,
    };
  });
}

const reports = new Map<string, Promise<SiteReport>>();
function report(site: string, year: number, ytd: boolean, fresh: boolean): Promise<SiteReport> {
  // Closed years change little: ask once per page load (a backfill shows on reload); this year's
  // figures are asked afresh.
  const key = `${site}/${year}/${ytd}`;
  if (fresh || !reports.has(key)) reports.set(key, api.indicators(site, year, ytd));
  return reports.get(key)!;
}

function section(r: SiteReport, building: string, period: CardSection['period']): CardSection {
  const scope = scopeOf(r, building) ?? r.total;
  const least = Object.values(scope.completeness ?? {});
  return { period, ...r.period, completeness: least.length ? Math.min(...least) : null, cards: cardsOf(scope) };
}

/**
 * The last complete year and this year to date, each against the plan's base year over the same
 * months, then the trend of the years since the base year; false when the ingestor has no registry.
 */
export async function loadOverview(s: Scope, cardsEl: HTMLElement, trendEl: HTMLElement, year = new Date().getFullYear()): Promise<boolean> {
  let last: SiteReport;
  let ytd: SiteReport | null;
  try {
    [last, ytd] = await Promise.all([
      report(s.site, year - 1, false, true),
      // In January no month of the year is complete yet: there is no year to date to show.
      new Date().getMonth() === 0 ? Promise.resolve(null) : report(s.site, year, true, true),
    ]);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
  renderIndicators(cardsEl, [section(last, s.building, 'year'), ...(ytd ? [section(ytd, s.building, 'ytd')] : [])], s.lang);
  performance.mark('zm:cards');
  const scope = scopeOf(last, s.building) ?? last.total;
  const baseYear = scope.plans[0]?.baseYear ?? year - 6;
  // Complete years only: the current one is not over.
  const years = Array.from({ length: year - baseYear }, (_, i) => baseYear + i);
  const all = await Promise.all(years.map((y) => (y === year - 1 ? Promise.resolve(last) : report(s.site, y, false, false).catch(() => null))));
  const series = Object.fromEntries(INDICATORS.map((k) => [k, all.map((r) => (r ? (scopeOf(r, s.building)?.indicators[k].value ?? null) : null))])) as Record<IndicatorKey, (number | null)[]>;
  renderTrend(trendEl, years, series, s.lang);
  return true;
}

/** Electricity over the last 30 days, main meters to zones to end uses. */
export async function loadFlow(s: Scope, meters: MeterInfo[], el: HTMLElement): Promise<boolean> {
  const to = Date.now();
  const series = await api.usage({ site: s.site, building: s.building || undefined, from: to - 30 * 86_400_000, to, interval: '1d', by: 'meter' });
  const usage = new Map(series.filter((x) => x.kind === 'electricity' && x.meter).map((x) => [x.meter!, x.total.value ?? 0]));
  const inScope = meters.filter((m) => m.site === s.site && (!s.building || m.building === s.building) && m.kind === 'electricity');
  const flow = buildFlow(inScope, usage, s.lang);
  if (!flow.links.length) return false;
  renderFlow(el, flow, 'kWh', s.lang);
  return true;
}

export async function loadCoverage(s: Scope, el: HTMLElement): Promise<boolean> {
  try {
    renderCoverage(el, await api.coverage(s.site), s.building, s.lang);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
}
