import { z } from 'zod';
import { ZoneSchema } from '../../core/index.ts';

// Alert rules as data: the built-in defaults apply to every site; the registry may change any
// setting for all sites (top-level `alerts`), a site, a building, a zone of a building or one meter.
// The most specific setting wins, setting by setting.

const Share = z.number().min(0).max(10);
const Minutes = z.number().min(0).max(7 * 24 * 60);

/** Common to every rule: off switch and hysteresis (fire after holding forMin, resolve after clear for clearMin). */
const common = { enabled: z.boolean(), forMin: Minutes, clearMin: Minutes };

export const RULE_SETTINGS = {
  /** No reading from a meter for `minutes`. */
  stale: z.object({ ...common, minutes: z.number().min(1).max(7 * 24 * 60) }),
  /** A counter decreased or jumped beyond the meter's rating; holds `windowMin` after the last such reading. */
  counter: z.object({ ...common, windowMin: z.number().min(1).max(7 * 24 * 60) }),
  /** Local 00:00–05:00 average power above `share` of the average power of recent working days. */
  night_base: z.object({ ...common, share: Share }),
  /**
   * Water flowing at night (00:00–05:00) for `hours` consecutive hours above the threshold: `flowM3h`
   * where given, else `share` of the meter's average flow on recent working days, never below `minFlowM3h`.
   */
  leak: z.object({ ...common, hours: z.number().int().min(1).max(5), share: Share, flowM3h: z.number().positive().optional(), minFlowM3h: z.number().min(0) }),
  /**
   * A weekend or holiday's usage above `share` of the mean working day's. Meters without a working
   * schedule (working-day average below `minScheduleRatio` × their working-day night) are left out:
   * a data centre or an idle plant has nothing to leave on.
   */
  weekend: z.object({ ...common, share: Share, minScheduleRatio: z.number().min(1).max(100) }),
  /** A parent meter's day differs from the sum of its sub-meters by more than `share` of the parent's. */
  balance: z.object({ ...common, share: Share }),
  /** A meter's last local day covered by measured usage below `threshold` (default: the registry's completenessThreshold). */
  completeness: z.object({ ...common, threshold: z.number().min(0).max(1).optional() }),
  /** A gateway's oldest undelivered journal record older than `minutes`. */
  backlog: z.object({ ...common, minutes: z.number().min(1).max(30 * 24 * 60) }),
  /** Year-to-date decline against the plan's base year short of the path to its target by more than `margin`. */
  trajectory: z.object({ ...common, margin: z.number().min(0).max(1) }),
} as const;

export type RuleId = keyof typeof RULE_SETTINGS;
export type RuleSettings = { [K in RuleId]: z.infer<(typeof RULE_SETTINGS)[K]> };

export const DEFAULT_RULES: RuleSettings = {
  stale: { enabled: true, forMin: 0, clearMin: 0, minutes: 15 },
  counter: { enabled: true, forMin: 0, clearMin: 0, windowMin: 60 },
  night_base: { enabled: true, forMin: 0, clearMin: 0, share: 0.6 },
  leak: { enabled: true, forMin: 0, clearMin: 0, hours: 2, share: 0.4, minFlowM3h: 0.01 },
  weekend: { enabled: true, forMin: 0, clearMin: 0, share: 0.6, minScheduleRatio: 1.5 },
  balance: { enabled: true, forMin: 0, clearMin: 0, share: 0.1 },
  completeness: { enabled: true, forMin: 0, clearMin: 0 },
  backlog: { enabled: true, forMin: 0, clearMin: 5, minutes: 30 },
  trajectory: { enabled: true, forMin: 0, clearMin: 0, margin: 0 },
};

const patchShape = () => Object.fromEntries(
  Object.entries(RULE_SETTINGS).map(([k, s]) => [k, s.partial().strict().optional()]),
) as unknown as Record<RuleId, z.ZodOptional<z.ZodObject>>;

/** Some settings of some rules; the rest comes from the wider scope. */
export const RulesPatchSchema = z.strictObject(patchShape()).transform((p) => p as RulesPatch);
export type RulesPatch = { [K in RuleId]?: Partial<RuleSettings[K]> };

/** A building's alert settings, with narrower ones for its zones and meters. */
export const BuildingAlertsSchema = z.strictObject({
  ...patchShape(),
  zones: z.partialRecord(ZoneSchema, RulesPatchSchema).optional(),
  meters: z.record(z.string(), RulesPatchSchema).optional(),
}).transform((b) => b as RulesPatch & { zones?: Partial<Record<string, RulesPatch>>; meters?: Record<string, RulesPatch> });
export type BuildingAlerts = z.output<typeof BuildingAlertsSchema>;

/** Merges patches over the defaults, widest first. */
export function mergeRules(...patches: (RulesPatch | undefined)[]): RuleSettings {
  const out = structuredClone(DEFAULT_RULES) as Record<RuleId, Record<string, unknown>>;
  for (const p of patches) {
    if (!p) continue;
    for (const k of Object.keys(RULE_SETTINGS) as RuleId[]) {
      const patch = p[k];
      if (patch) for (const [name, v] of Object.entries(patch)) if (v !== undefined) out[k][name] = v;
    }
  }
  return out as RuleSettings;
}
