import type { IndicatorKey } from '../registry/plans.ts';
import { ratio, totals, type FactorContext, type FactorUse, type Measure, type Quantities, type Totals } from './energy.ts';

export interface IndicatorInput extends FactorContext {
  quantities: Quantities;
  /** 建筑面积 for the period (see registry areaFor). */
  areaM2: number | undefined;
  /** 用能人数 for the period (see registry headcountFor). */
  headcount: number | undefined;
}

/** The API's JSON shape: every figure with its unit; keys are the indicator ids. */
export interface IndicatorSet extends Record<IndicatorKey, Measure> {
  energy_kgce: Measure;
  water_m3: Measure;
  co2_kg: Measure;
  area_m2: Measure;
  headcount: Measure;
  vintages: FactorUse[];
  missing: Totals['missing'];
}

/** Per-area, per-capita, water per capita and carbon per area, from unrounded totals. */
export function computeIndicators(input: IndicatorInput): IndicatorSet {
  const t = totals(input.quantities, input);
  const area: Measure = { value: input.areaM2 ?? null, unit: 'm²' };
  const persons: Measure = { value: input.headcount ?? null, unit: 'person' };
  return {
    energy_kgce: t.energy_kgce,
    water_m3: t.water_m3,
    co2_kg: t.co2_kg,
    area_m2: area,
    headcount: persons,
    kgce_per_m2: ratio(t.energy_kgce, area, 'kgce/m²'),
    kgce_per_capita: ratio(t.energy_kgce, persons, 'kgce/person'),
    water_m3_per_capita: ratio(t.water_m3, persons, 'm³/person'),
    kgco2_per_m2: ratio(t.co2_kg, area, 'kgCO2/m²'),
    vintages: t.vintages,
    missing: t.missing,
  };
}
