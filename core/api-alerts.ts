import { z } from 'zod';
import { ALERT_RULES, ALERT_STATES, ALERT_SUBJECTS } from './alert-rules.ts';
import { Id } from './ids.ts';

export * from './alert-rules.ts';

export const AlertRuleSchema = z.enum(ALERT_RULES);
export const AlertStateSchema = z.enum(ALERT_STATES);

export const AlertsQuery = z.object({
  site: Id.optional(),
  /** `active` is firing and acknowledged together. */
  state: z.enum([...ALERT_STATES, 'active']).optional(),
  rule: AlertRuleSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const AlertParams = z.object({ id: z.coerce.number().int().min(1) });

export const AlertAckBody = z.object({
  note: z.string().trim().min(1, 'say what was done or found').max(1000),
  /** Who acknowledges; the API token says only that a holder of it did. */
  by: z.string().trim().min(1).max(100).optional(),
}).strict();

export const AlertSchema = z.strictObject({
  id: z.number(),
  rule: AlertRuleSchema,
  site: z.string(),
  building: z.string().nullable(),
  subject: z.string(),
  subject_kind: z.enum(ALERT_SUBJECTS),
  state: AlertStateSchema,
  /** When the condition was first seen holding. */
  since: z.number(),
  /** When the alert fired (the condition held for the rule's duration). */
  fired_at: z.number(),
  resolved_at: z.number().nullable(),
  /** The figure the rule judged and what it was judged against; null where the rule has no number. */
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  unit: z.string(),
  detail: z.string(),
  ack: z.strictObject({ at: z.number(), note: z.string(), by: z.string().nullable() }).nullable(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertsResponseSchema = z.strictObject({
  alerts: z.array(AlertSchema),
  /** Alerts kept per state, whatever the filter. */
  counts: z.record(z.string(), z.number()),
});
