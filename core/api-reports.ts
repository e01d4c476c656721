import { z } from 'zod';
import { EnergyKindSchema, FacilitySchema, ZoneSchema } from './schemas.ts';

// What the ingestor answers about sites, indicators, coverage and reports: the figures its pure
// calculations (ingestor/indicators) produce, as JSON. Objects are strict so that a field the
// ingestor sends but the contract does not name fails the conformance test.

/** A number with its unit; null where it cannot be computed. */
export const MeasureSchema = z.strictObject({
  value: z.number().nullable(),
  unit: z.string(),
  /** Why value is null for want of data: incomplete, no_data, future (now_…/base_… on a decline). */
  reason: z.string().optional(),
  /** Share (0–1) of the period covered by measured usage, for figures computed from usage. */
  completeness: z.number().optional(),
});
export type Measure = z.infer<typeof MeasureSchema>;

// Indicator ids double as JSON keys and as the keys plan targets name.
export const INDICATOR_KEYS = ['kgce_per_m2', 'kgce_per_capita', 'water_m3_per_capita', 'kgco2_per_m2'] as const;
export type IndicatorKey = (typeof INDICATOR_KEYS)[number];

/** A reporting period in the site's local calendar: dates [from, to) and the data year it belongs to. */
export const LocalPeriodSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  year: z.number(),
  /** Months of the year it covers when it is a year or a year-to-date, else null. */
  months: z.number().nullable(),
});
export type LocalPeriod = z.infer<typeof LocalPeriodSchema>;

/** A coefficient or factor as used: the vintage id lets a closed period be recomputed with the same one. */
export const FactorUseSchema = z.strictObject({
  id: z.string(),
  type: z.enum(['coal', 'co2']),
  carrier: z.string(),
  value: z.number(),
  unit: z.string(),
  year: z.number(),
  region: z.string(),
  via: z.string(),
});

export const IndicatorSetSchema = z.strictObject({
  energy_kgce: MeasureSchema,
  water_m3: MeasureSchema,
  co2_kg: MeasureSchema,
  area_m2: MeasureSchema,
  headcount: MeasureSchema,
  kgce_per_m2: MeasureSchema,
  kgce_per_capita: MeasureSchema,
  water_m3_per_capita: MeasureSchema,
  kgco2_per_m2: MeasureSchema,
  vintages: z.array(FactorUseSchema),
  /** Carriers with a quantity but no coefficient or factor: their part is left out, not guessed. */
  missing: z.array(z.strictObject({ type: z.enum(['coal', 'co2']), carrier: z.string() })),
});

export const IndicatorProgressSchema = z.strictObject({
  indicator: z.enum(INDICATOR_KEYS),
  plan: z.string(),
  baseYear: z.number(),
  targetYear: z.number(),
  base: MeasureSchema,
  now: MeasureSchema,
  decline: MeasureSchema,
  target: MeasureSchema,
  achieved: MeasureSchema,
  yearsLeft: z.number(),
  requiredYearlyDecline: MeasureSchema,
});
export type IndicatorProgress = z.infer<typeof IndicatorProgressSchema>;

export const BreakdownRowSchema = z.strictObject({
  key: z.string(),
  energy_kgce: MeasureSchema,
  water_m3: MeasureSchema,
  co2_kg: MeasureSchema,
  /** Share of the breakdown's metered energy (kgce). */
  share: MeasureSchema,
  meters: z.array(z.string()),
});
export type BreakdownRow = z.infer<typeof BreakdownRowSchema>;

/** Share (0–1) of a period covered by measured usage, per energy kind. */
export const KindCompletenessSchema = z.partialRecord(EnergyKindSchema, z.number());

export const PlanResultSchema = z.strictObject({
  plan: z.string(),
  name: z.string(),
  baseYear: z.number(),
  targetYear: z.number(),
  basePeriod: LocalPeriodSchema,
  base: IndicatorSetSchema,
  baseCompleteness: KindCompletenessSchema,
  progress: z.array(IndicatorProgressSchema),
});

export const ScopeResultSchema = z.strictObject({
  indicators: IndicatorSetSchema,
  completeness: KindCompletenessSchema,
  quantities: z.partialRecord(EnergyKindSchema, MeasureSchema),
  /** How each kind's quantity was taken: its main meters, else its top-level meters. */
  sources: z.partialRecord(EnergyKindSchema, z.strictObject({ source: z.enum(['main', 'top_level_meters']), meters: z.array(z.string()) })),
  plans: z.array(PlanResultSchema),
  breakdown: z.strictObject({ zone: z.array(BreakdownRowSchema), end_use: z.array(BreakdownRowSchema) }),
});

/** GET /api/v1/sites/:site/indicators */
export const SiteReportSchema = z.strictObject({
  site: z.string(),
  name: z.string().nullable(),
  period: LocalPeriodSchema,
  quantityRule: z.string(),
  total: ScopeResultSchema,
  buildings: z.array(ScopeResultSchema.extend({ building: z.string(), name: z.string().nullable() })),
  vintages: z.array(FactorUseSchema),
  /** Below this completeness a figure is null with the reason. */
  completenessThreshold: z.number(),
  /** The least complete building and kind of the period, null when the site has no metered kind. */
  completenessMin: z.number().nullable(),
});

export const AnnualRowSchema = z.strictObject({
  scope: z.enum(['site', 'building']),
  building: z.string(),
  key: z.string(),
  zh: z.string(),
  en: z.string(),
  unit: z.string(),
  value: z.number().nullable(),
  base_year: z.number().nullable(),
  base_value: z.number().nullable(),
  decline: z.number().nullable(),
  target: z.number().nullable(),
  achieved: z.number().nullable(),
  /** Share of the period covered by measured usage (0–1), null for figures not taken from usage. */
  completeness: z.number().nullable(),
  /** Why value is null: incomplete, no_data, future. */
  reason: z.string().nullable(),
});
export type AnnualRow = z.infer<typeof AnnualRowSchema>;

/** GET /api/v1/sites/:site/reports/annual (format=json) */
export const AnnualReportSchema = z.strictObject({
  site: z.string(),
  year: z.number(),
  quantityRule: z.string(),
  vintages: z.array(FactorUseSchema),
  rows: z.array(AnnualRowSchema),
});

export const MonthlyRowSchema = z.strictObject({
  month: z.string(),
  building: z.string(),
  kind: EnergyKindSchema,
  quantity: z.number(),
  unit: z.string(),
  /** Standard coal of the quantity, null for water. */
  energy_kgce: z.number().nullable(),
  co2_kg: z.number().nullable(),
  /** Share of the month covered by measured usage (0–1). */
  completeness: z.number(),
  /** Whether the month is complete enough to report. */
  complete: z.boolean(),
});
export type MonthlyRow = z.infer<typeof MonthlyRowSchema>;

/** GET /api/v1/sites/:site/reports/monthly (format=json) */
export const MonthlyTableSchema = z.strictObject({
  site: z.string(),
  year: z.number(),
  rows: z.array(MonthlyRowSchema),
  vintages: z.array(FactorUseSchema),
  completenessThreshold: z.number(),
});

export const CoverageRateSchema = z.strictObject({
  required: z.number(),
  equipped: z.number(),
  live: z.number(),
  /** 配备率: equipped / required; null when nothing is required. */
  rate: MeasureSchema,
  liveRate: MeasureSchema,
});
export type CoverageRate = z.infer<typeof CoverageRateSchema>;

const PointStatusSchema = z.enum(['live', 'silent', 'missing']);

export const MeteringPointSchema = z.strictObject({
  group: z.enum(['zone', 'facility']),
  zone: ZoneSchema.optional(),
  facility: FacilitySchema.optional(),
  /** Any of these kinds meets the point. */
  kinds: z.array(EnergyKindSchema),
  /** Counted in its rate: every zone point; facility points of policy-required facilities. */
  required: z.boolean(),
  meters: z.array(z.string()),
  live: z.array(z.string()),
  status: PointStatusSchema,
  reason: z.string().optional(),
});
export type MeteringPoint = z.infer<typeof MeteringPointSchema>;

export const BalanceRowSchema = z.strictObject({
  parent: z.string(),
  parentUsage: z.number(),
  childrenUsage: z.number(),
  children: z.array(z.string()),
  /** Children without a usage figure: the balance is then incomplete. */
  childrenWithoutData: z.array(z.string()),
  /** parent − Σ children: unmetered load, losses or leaks; negative when children exceed the parent. */
  unmetered: MeasureSchema,
  unmeteredShare: MeasureSchema,
});
export type BalanceRow = z.infer<typeof BalanceRowSchema>;

const Label = z.strictObject({ zh: z.string(), en: z.string() });

/** GET /api/v1/sites/:site/coverage */
export const CoverageReportSchema = z.strictObject({
  site: z.string(),
  now: z.number(),
  live_window_min: z.number(),
  labels: z.strictObject({ zone: Label, facility: Label }),
  balance_period: LocalPeriodSchema,
  zone: CoverageRateSchema,
  facility: CoverageRateSchema,
  buildings: z.array(z.strictObject({
    building: z.string(),
    name: z.string().nullable(),
    zone: CoverageRateSchema,
    facility: CoverageRateSchema,
    points: z.array(MeteringPointSchema),
    missing: z.array(z.strictObject({
      group: z.enum(['zone', 'facility']), zone: ZoneSchema.nullable(), facility: FacilitySchema.nullable(), kinds: z.array(EnergyKindSchema),
      required: z.boolean(), status: PointStatusSchema, reason: z.string().optional(),
    })),
    balance: z.array(BalanceRowSchema),
  })),
});

/** GET /api/v1/sites */
export const SitesResponseSchema = z.strictObject({
  sites: z.array(z.strictObject({
    id: z.string(),
    name: z.string().nullable(),
    institution: z.strictObject({ id: z.string(), name: z.string(), type: z.string() }),
    utc_offset: z.string(),
    climate_zone: z.string(),
    grid_region: z.string(),
    plans: z.array(z.string()),
    /** Manifest conflicts with the registry at this site. */
    conflicts: z.number(),
    buildings: z.array(z.strictObject({
      id: z.string(),
      name: z.string().nullable(),
      area: z.array(z.strictObject({ from: z.string(), value: z.number(), unit: z.string() })),
      headcount: z.array(z.strictObject({ year: z.number(), value: z.number(), unit: z.string() })),
      zones: z.array(z.strictObject({ zone: ZoneSchema, area: z.strictObject({ value: z.number(), unit: z.string() }).nullable() })),
      facilities: z.array(FacilitySchema),
      supplies: z.array(EnergyKindSchema),
      meters: z.number(),
    })),
  })),
});

/** GET /api/v1/sites/:site/conflicts */
export const ConflictsResponseSchema = z.strictObject({
  site: z.string(),
  conflicts: z.array(z.strictObject({
    code: z.string(),
    /** Where in the list of manifests, e.g. manifests[1].meters[3].building. */
    path: z.string(),
    site: z.string(),
    gateway: z.string(),
    meter: z.string().optional(),
    message: z.string(),
  })),
});
