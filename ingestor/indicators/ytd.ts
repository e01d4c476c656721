import { INDICATOR_KEYS, type IndicatorKey } from '../registry/plans.ts';
import { addQuantities, type FactorContext, type Measure, type Quantities } from './energy.ts';
import { computeIndicators, type IndicatorSet } from './intensity.ts';
import { decline } from './progress.ts';

export interface MonthQuantities {
  year: number;
  /** 1–12, in the site's local calendar. */
  month: number;
  quantities: Quantities;
}

export interface YearToDateInput extends Omit<FactorContext, 'year'> {
  months: readonly MonthQuantities[];
  year: number;
  baseYear: number;
  /** Last month included, 1–12: January to this month of both years are compared. */
  throughMonth: number;
  area: { now: number | undefined; base: number | undefined };
  headcount: { now: number | undefined; base: number | undefined };
}

export interface YearToDate {
  months: number;
  now: IndicatorSet;
  base: IndicatorSet;
  decline: Record<IndicatorKey, Measure>;
  /** Months of either year with no data: a comparison over unequal months would mislead. */
  missingMonths: { year: number; month: number }[];
}

/**
 * Compares January..throughMonth of `year` with the same months of `baseYear`; each side uses its
 * own year's factor vintage, area and head-count.
 */
export function yearToDate(input: YearToDateInput): YearToDate {
  const m = input.throughMonth;
  if (!Number.isInteger(m) || m < 1 || m > 12) throw new RangeError(`throughMonth must be 1–12, got ${m}`);
  const missingMonths: YearToDate['missingMonths'] = [];
  const sum = (year: number) => {
    const picked: Quantities[] = [];
    for (let month = 1; month <= m; month++) {
      const rows = input.months.filter((r) => r.year === year && r.month === month);
      if (!rows.length) missingMonths.push({ year, month });
      picked.push(...rows.map((r) => r.quantities));
    }
    return addQuantities(...picked);
  };
  const ctx = { factors: input.factors, region: input.region, pins: input.pins };
  const now = computeIndicators({ ...ctx, year: input.year, quantities: sum(input.year), areaM2: input.area.now, headcount: input.headcount.now });
  const base = computeIndicators({ ...ctx, year: input.baseYear, quantities: sum(input.baseYear), areaM2: input.area.base, headcount: input.headcount.base });
  const declines = Object.fromEntries(INDICATOR_KEYS.map((k) => {
    const b = base[k].value;
    const n = now[k].value;
    return [k, { value: b !== null && n !== null && b > 0 ? decline(b, n) : null, unit: '1' }];
  })) as Record<IndicatorKey, Measure>;
  return { months: m, now, base, decline: declines, missingMonths };
}
