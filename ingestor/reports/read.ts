import type { Registry } from '../registry/schema.ts';
import type { Period, PeriodRequest } from '../indicators/period.ts';
import type { MeterTotal } from '../indicators/quantities.ts';
import { monthBounds, monthlyTable, type MonthlyTable } from '../indicators/monthly-table.ts';
import { reportPeriods, siteReport, type SiteReport, type SiteReportInput } from '../indicators/site-report.ts';

/** Per-meter totals of a site for each period, in the same order: TotalsCache.totals, or meterTotals on InfluxDB. */
export type TotalsSource = (site: string, periods: readonly Period[]) => Promise<MeterTotal[][]>;

/** Reads the totals a site report needs, then computes it. */
export async function readSiteReport(source: TotalsSource, registry: Registry, siteId: string, req: PeriodRequest, input: SiteReportInput): Promise<SiteReport> {
  const at = reportPeriods(registry, siteId, req, input.now);
  return siteReport(registry, at, await source(siteId, at.bounds), input);
}

/** Reads a year's monthly totals, then tabulates them. */
export async function readMonthlyTable(source: TotalsSource, registry: Registry, siteId: string, year: number, input: SiteReportInput): Promise<MonthlyTable> {
  const bounds = monthBounds(registry, siteId, year);
  return monthlyTable(registry, siteId, year, await source(siteId, bounds), input);
}
