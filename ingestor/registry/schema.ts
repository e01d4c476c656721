import { z } from 'zod';
import { IsoDate } from '../../core/api.ts';
import { EnergyKindSchema, FacilitySchema, Id, ZoneSchema } from '../../core/index.ts';
import { DEFAULT_FACTORS, FactorSchema, GRID_REGIONS } from './factors.ts';
import { PLAN_PRESETS, PlanSchema } from './plans.ts';
import { BuildingAlertsSchema, RulesPatchSchema } from './alert-rules.ts';

export const INSTITUTION_TYPES = ['office', 'school', 'hospital', 'venue'] as const;
export type InstitutionType = (typeof INSTITUTION_TYPES)[number];

// GB 50176-2016 民用建筑热工设计规范, climate zones.
export const CLIMATE_ZONES = ['severe_cold', 'cold', 'hot_summer_cold_winter', 'hot_summer_warm_winter', 'mild'] as const;
export type ClimateZone = (typeof CLIMATE_ZONES)[number];

export { IsoDate };

const UtcOffset = z.string().regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, 'expected an offset like +08:00');

export const AreaEntrySchema = z.object({ from: IsoDate, m2: z.number().positive() });
/** 用能人数 for a year: staff on post and long-term contract staff plus the daily average of people served. */
export const HeadcountEntrySchema = z.object({ year: z.number().int().min(1990).max(2100), persons: z.number().positive() });
export const ZoneAreaSchema = z.object({ zone: ZoneSchema, m2: z.number().positive().optional() });

export const BuildingSchema = z.object({
  id: Id,
  name: z.string().optional(),
  /** 建筑面积, effective-dated: each entry holds from its date until the next one's. */
  area: z.array(AreaEntrySchema).min(1, 'give the floor area from some date on'),
  headcount: z.array(HeadcountEntrySchema).default([]),
  zones: z.array(ZoneAreaSchema).min(1, 'name the zones present'),
  facilities: z.array(FacilitySchema).default([]),
  supplies: z.array(EnergyKindSchema).min(1, 'name the energy kinds the building is supplied with'),
  /** Alert settings for this building, its zones (`zones`) and its meters (`meters`, by id); see docs/alerts.md. */
  alerts: BuildingAlertsSchema.optional(),
});
export type Building = z.infer<typeof BuildingSchema>;

export const SiteSchema = z.object({
  id: Id,
  name: z.string().optional(),
  /** Local time of the site's reporting days and months. */
  utcOffset: UtcOffset.default('+08:00'),
  climateZone: z.enum(CLIMATE_ZONES),
  gridRegion: z.enum(GRID_REGIONS).default('national'),
  plans: z.array(Id).default(['14th']),
  /**
   * Years whose figures were reported, with the factor ids (as the annual report lists them) they
   * were computed with: a later factor release must not change what was filed.
   */
  closedYears: z.array(z.object({
    year: z.number().int().min(1990).max(2100),
    factors: z.array(Id).min(1, 'list the factor ids the year was reported with'),
  })).default([]),
  buildings: z.array(BuildingSchema).min(1, 'a site has at least one building'),
  /** Alert settings for every building of this site. */
  alerts: RulesPatchSchema.optional(),
});
export type Site = z.infer<typeof SiteSchema>;

export const InstitutionSchema = z.object({
  id: Id,
  name: z.string().min(1),
  type: z.enum(INSTITUTION_TYPES),
  sites: z.array(SiteSchema).min(1, 'an institution has at least one site'),
});
export type Institution = z.infer<typeof InstitutionSchema>;

export const RegistrySchema = z.object({
  institutions: z.array(InstitutionSchema).min(1, 'define at least one institution'),
  /** Plans beyond the built-in presets: the 15th plan, provincial plans, an institution's own targets. */
  plans: z.array(PlanSchema).default([]),
  /** Standard-coal coefficients and CO₂ factors on top of the defaults. */
  factors: z.array(FactorSchema).default([]),
  /**
   * Share of a period that must be covered by measured usage (not estimated across a long gap) for
   * its figures to be reported; below it they are null with the reason. 0.95 by default.
   */
  completenessThreshold: z.number().min(0).max(1).default(0.95),
  /** Alert settings for every site, over the built-in defaults (docs/alerts.md). */
  alerts: RulesPatchSchema.optional(),
}).superRefine((reg, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const duplicates = <T>(items: readonly T[], key: (t: T) => string, path: (i: number) => (string | number)[], what: string) => {
    const seen = new Set<string>();
    items.forEach((t, i) => {
      const k = key(t);
      if (seen.has(k)) issue(path(i), `duplicate ${what} "${k}"`);
      seen.add(k);
    });
  };
  duplicates(reg.institutions, (x) => x.id, (i) => ['institutions', i, 'id'], 'institution id');
  duplicates(reg.plans, (p) => p.id, (i) => ['plans', i, 'id'], 'plan id');
  duplicates(reg.factors, (f) => f.id, (i) => ['factors', i, 'id'], 'factor id');
  // An id names one value for good, or a closed year pinned to it would silently change.
  const defaultIds = new Set(DEFAULT_FACTORS.map((f) => f.id));
  reg.factors.forEach((f, i) => {
    if (defaultIds.has(f.id)) issue(['factors', i, 'id'], `"${f.id}" is a built-in factor id; give the new value its own id`);
  });
  const factorsById = new Map([...DEFAULT_FACTORS, ...reg.factors].map((f) => [f.id, f]));
  const planIds = new Set([...Object.keys(PLAN_PRESETS), ...reg.plans.map((p) => p.id)]);
  const institutionIds = new Set(reg.institutions.map((x) => x.id));
  reg.plans.forEach((p, i) => {
    if (p.institution && !institutionIds.has(p.institution)) issue(['plans', i, 'institution'], `no institution "${p.institution}"`);
  });
  const siteIds = new Set<string>();
  reg.institutions.forEach((inst, a) => inst.sites.forEach((site, b) => {
    const at = (...p: (string | number)[]) => ['institutions', a, 'sites', b, ...p];
    if (siteIds.has(site.id)) issue(at('id'), `duplicate site id "${site.id}"`);
    siteIds.add(site.id);
    site.plans.forEach((id, k) => {
      if (!planIds.has(id)) issue(at('plans', k), `no plan "${id}" (known: ${[...planIds].join(', ')})`);
    });
    duplicates(site.closedYears, (c) => String(c.year), (k) => at('closedYears', k, 'year'), 'closed year');
    site.closedYears.forEach((c, k) => {
      const pinned = new Set<string>();
      c.factors.forEach((id, j) => {
        const f = factorsById.get(id);
        if (!f) return issue(at('closedYears', k, 'factors', j), `no factor "${id}"`);
        const key = `${f.type}:${f.carrier}`;
        if (pinned.has(key)) issue(at('closedYears', k, 'factors', j), `a second ${f.type} factor for ${f.carrier} ("${id}")`);
        pinned.add(key);
      });
    });
    duplicates(site.buildings, (x) => x.id, (k) => at('buildings', k, 'id'), 'building id');
    site.buildings.forEach((bld, k) => checkBuilding(bld, (...p) => at('buildings', k, ...p), issue));
  }));
});
export type Registry = z.infer<typeof RegistrySchema>;

function checkBuilding(b: Building, at: (...p: (string | number)[]) => (string | number)[], issue: (path: (string | number)[], message: string) => void): void {
  b.area.forEach((e, i) => {
    const prev = b.area[i - 1];
    if (prev && e.from <= prev.from) issue(at('area', i, 'from'), `area entries must be in date order (${e.from} is not after ${prev.from})`);
  });
  const years = new Set<number>();
  b.headcount.forEach((h, i) => {
    if (years.has(h.year)) issue(at('headcount', i, 'year'), `duplicate head-count year ${h.year}`);
    years.add(h.year);
  });
  const zones = new Set<string>();
  b.zones.forEach((z, i) => {
    if (zones.has(z.zone)) issue(at('zones', i, 'zone'), `zone "${z.zone}" listed twice`);
    zones.add(z.zone);
  });
  const latest = b.area.at(-1)!.m2;
  const zoned = b.zones.reduce((s, z) => s + (z.m2 ?? 0), 0);
  if (zoned > latest) issue(at('zones'), `zone areas add up to ${zoned} m², more than the building's ${latest} m²`);
  const kinds = new Set<string>();
  b.supplies.forEach((k, i) => {
    if (kinds.has(k)) issue(at('supplies', i), `energy kind "${k}" listed twice`);
    kinds.add(k);
  });
  const facilities = new Set<string>();
  b.facilities.forEach((f, i) => {
    if (facilities.has(f)) issue(at('facilities', i), `facility "${f}" listed twice`);
    facilities.add(f);
  });
}
