import type { AnnualRow } from '../../core/api.ts';
import { ENERGY_KINDS, type EnergyKind } from '../../core/index.ts';
import type { FactorUse, Measure } from './energy.ts';
import type { ScopeResult, SiteReport } from './site-report.ts';

export type { AnnualRow };

const FIGURES: Record<string, { zh: string; en: string }> = {
  energy_kgce: { zh: '综合能耗', en: 'Comprehensive energy' },
  water_m3: { zh: '用水量', en: 'Water' },
  co2_kg: { zh: '碳排放量', en: 'CO2 emissions' },
  area_m2: { zh: '建筑面积', en: 'Floor area' },
  headcount: { zh: '用能人数', en: 'Persons served' },
  kgce_per_m2: { zh: '单位建筑面积能耗', en: 'Energy per floor area' },
  kgce_per_capita: { zh: '人均综合能耗', en: 'Energy per capita' },
  water_m3_per_capita: { zh: '人均用水量', en: 'Water per capita' },
  kgco2_per_m2: { zh: '单位建筑面积碳排放', en: 'CO2 per floor area' },
};

function scopeRows(scope: AnnualRow['scope'], building: string, r: ScopeResult): AnnualRow[] {
  const plan = r.plans[0];
  const rows: AnnualRow[] = [];
  for (const [kind, m] of Object.entries(r.quantities) as [EnergyKind, Measure][]) {
    const k = ENERGY_KINDS[kind];
    rows.push({
      scope, building, key: `${kind}_quantity`, zh: `${k.zh}用量`, en: `${k.en} used`, unit: m.unit, value: m.value, base_year: null, base_value: null, decline: null, target: null, achieved: null,
      completeness: r.completeness[kind] ?? null, reason: m.reason ?? null,
    });
  }
  for (const [key, names] of Object.entries(FIGURES)) {
    const m = (r.indicators as unknown as Record<string, Measure>)[key]!;
    const progress = plan?.progress.find((p) => p.indicator === key);
    const base = plan ? (plan.base as unknown as Record<string, Measure>)[key]! : null;
    rows.push({
      scope, building, key, ...names, unit: m.unit, value: m.value,
      base_year: plan?.baseYear ?? null, base_value: base?.value ?? null,
      decline: progress?.decline.value ?? null, target: progress?.target.value ?? null, achieved: progress?.achieved.value ?? null,
      completeness: m.completeness ?? null, reason: m.reason ?? null,
    });
  }
  return rows;
}

/** The annual statistics table: every quantity and indicator per building and for the site, one row each, with its unit. */
export function annualTable(report: SiteReport): AnnualRow[] {
  return [...report.buildings.flatMap((b) => scopeRows('building', b.building, b)), ...scopeRows('site', report.site, report.total)];
}

export const vintageLine = (v: FactorUse) => `${v.id} = ${v.value} ${v.unit} (${v.type}, ${v.carrier}, data year ${v.year}, ${v.region}, ${v.via})`;
