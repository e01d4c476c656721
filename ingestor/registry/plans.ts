import { z } from 'zod';
import { Id } from '../../core/index.ts';
import { INDICATOR_KEYS, type IndicatorKey } from '../../core/api.ts';

// Indicator ids double as the API's JSON keys, so plan targets name them the same way (core/api-reports.ts).
export { INDICATOR_KEYS, type IndicatorKey };

const Decline = z.number().gt(0, 'a target decline is a fraction above 0 (0.05 = 5%)').lt(1, 'a target decline is a fraction below 1 (0.05 = 5%)');

export const PlanSchema = z.object({
  id: Id,
  name: z.string().min(1),
  baseYear: z.number().int().min(2000).max(2100),
  targetYear: z.number().int().min(2000).max(2100),
  /** Total decline from the base year to the target year, as a fraction: 0.05 is −5%. */
  targets: z.partialRecord(z.enum(INDICATOR_KEYS), Decline).refine((t) => Object.keys(t).length > 0, 'name at least one target'),
  /** Where the plan applies; a plan without scope applies wherever a site lists it. */
  institution: Id.optional(),
  source: z.string().optional(),
}).refine((p) => p.targetYear > p.baseYear, { message: 'targetYear must come after baseYear', path: ['targetYear'] });
export type Plan = z.infer<typeof PlanSchema>;

/**
 * 公共机构节约能源资源"十四五"规划 (2021–2025): from a 2020 base, 单位建筑面积能耗 −5%,
 * 人均综合能耗 −6%, 人均用水量 −6%, 单位建筑面积碳排放 −7%.
 */
export const PLAN_14TH: Plan = Object.freeze({
  id: '14th',
  name: '公共机构节约能源资源"十四五"规划',
  baseYear: 2020,
  targetYear: 2025,
  targets: Object.freeze({ kgce_per_m2: 0.05, kgce_per_capita: 0.06, water_m3_per_capita: 0.06, kgco2_per_m2: 0.07 }),
  source: '国管局 国家发展改革委, 2021',
});

export const PLAN_PRESETS: Readonly<Record<string, Plan>> = Object.freeze({ [PLAN_14TH.id]: PLAN_14TH });

/** Presets with the registry's own plans on top (a plan with a preset's id replaces it). */
export function planTable(userPlans: readonly Plan[] = []): Map<string, Plan> {
  const out = new Map<string, Plan>(Object.entries(PLAN_PRESETS));
  for (const p of userPlans) out.set(p.id, p);
  return out;
}

/** The plans in force for a year: those listed whose base year is before it and target year not past. */
export function plansInForce(plans: readonly Plan[], year: number): Plan[] {
  return plans.filter((p) => p.baseYear < year && year <= p.targetYear);
}
