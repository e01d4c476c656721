import { z } from 'zod';
import { Id, ManifestSchema } from '../../core/index.ts';
import { QUARANTINE_REASONS } from '../ingest/validate.ts';

// Every query string, path parameter and body the API takes, as zod schemas: route plugins parse
// with them and openapi.ts documents them, so the two cannot drift apart.

export const ErrorBody = z.object({ code: z.string(), message: z.string() });
export const NoQuery = z.object({});
export const SiteQuery = z.object({ site: Id.optional() });
export const MeterParams = z.object({ id: Id });
export const GatewayParams = z.object({ site: Id, gateway: Id });
export const SiteParams = z.object({ site: Id });

export const QuarantineQuery = z.object({
  site: Id.optional(),
  gateway: Id.optional(),
  reason: z.enum(QUARANTINE_REASONS).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Page back: entries with an id below this one (the `next_before` of the previous page). */
  before: z.coerce.number().int().min(1).optional(),
});

export const MeterOwnerParams = z.object({ site: Id, id: Id });
export const MeterOwnerBody = z.object({ gateway: Id }).strict();
export const MeterOwnerResponse = z.object({ site: z.string(), meter: z.string(), gateway: z.string(), previous: z.string().nullable() });

export const ManifestBody = ManifestSchema;

export const Health = z.object({ status: z.enum(['ok', 'degraded']), influx: z.enum(['up', 'down']), pending_points: z.number() });

export const GatewaysResponse = z.object({
  gateways: z.array(z.object({
    site: z.string(), gateway: z.string(), online: z.boolean(), status: z.unknown(),
    last_batch_at: z.number().nullable(), last_batch_age_ms: z.number().nullable(), last_seq: z.number().nullable(),
    lag_ms: z.number().nullable(), batches: z.number(), readings: z.number(), meters: z.number(),
    refused_meters: z.array(z.object({ meter: z.string(), owner: z.string(), at: z.number() })),
  })),
});

export const ManifestAccepted = z.object({ site: z.string(), gateway: z.string(), meters: z.number(), new_replacements: z.number() });

const LastReading = z.object({
  ts: z.number(), age_ms: z.number(), values: z.record(z.string(), z.number()), quality: z.record(z.string(), z.string()),
});

export const MetersResponse = z.object({
  meters: z.array(z.object({
    id: z.string(), site: z.string(), building: z.string(), gateway: z.string(), name: z.string().nullable(),
    kind: z.string(), model: z.string(), zone: z.string(), end_use: z.string(), facility: z.string().nullable(),
    parent: z.string().nullable(), role: z.string(), last_reading: LastReading.nullable(),
  })),
});

export const LatestReading = z.object({
  meter: z.string(), ts: z.number(), time: z.string(), values: z.record(z.string(), z.number()), units: z.record(z.string(), z.string()),
}).catchall(z.string());

export const QuarantineResponse = z.object({
  entries: z.array(z.object({
    id: z.number(), at: z.number(), site: z.string().nullable(), gateway: z.string().nullable(), seq: z.number().nullable(),
    reason: z.enum(QUARANTINE_REASONS), detail: z.string(), payload: z.unknown(),
  })),
  counts: z.record(z.string(), z.number()),
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: z.number().nullable(),
});
