import { z } from 'zod';
import {
  AnnualReportSchema, ConflictsResponseSchema, CoverageReportSchema, MeasureSchema, MonthlyTableSchema, SiteReportSchema, SitesResponseSchema,
} from './api-reports.ts';
import { Id } from './ids.ts';
import { AlertAckBody, AlertParams, AlertSchema, AlertsQuery, AlertsResponseSchema } from './api-alerts.ts';
import {
  EndUseSchema, EnergyKindSchema, FacilitySchema, ManifestSchema, MeasurementKeySchema, QualityFlagSchema, StatusSchema, ZoneSchema,
} from './schemas.ts';

export * from './api-reports.ts';
export * from './api-alerts.ts';

// The ingestor's HTTP contract: every route with what it takes (path, query, body) and what it
// answers, as zod schemas. The ingestor registers its routes from API and builds
// /api/v1/openapi.json from it; the dashboard reads the answers' types (import type, so no zod
// reaches the browser). JSON keys, paths and status codes here are contracts with every client.

// ---- what requests carry -------------------------------------------------------------------

/** An instant given as epoch ms or an ISO 8601 date-time; answers epoch ms. */
export const Instant = z.string().trim().min(1).transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is neither epoch ms nor an ISO 8601 date-time` });
    return z.NEVER;
  }
  return ms;
});

export const Year = z.coerce.number().int().min(2000).max(2100);

/** `true`/`1` and `false`/`0` from a query string (z.coerce.boolean would read "false" as true). */
export const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A calendar date YYYY-MM-DD. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD').refine((s) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}, 'not a calendar date');

export const QUARANTINE_REASONS = [
  'invalid_payload', 'foreign_gateway', 'invalid_reading', 'unknown_measurement', 'non_finite_value', 'unknown_meter',
  'future_timestamp', 'too_old', 'value_out_of_range', 'store_refused', 'foreign_meter', 'out_of_order', 'clock_unknown',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

export const NoQuery = z.object({});
export const SiteQuery = z.object({ site: Id.optional() });
export const MeterParams = z.object({ id: Id });
export const GatewayParams = z.object({ site: Id, gateway: Id });
export const SiteParams = z.object({ site: Id });
export const MeterOwnerParams = z.object({ site: Id, id: Id });
export const MeterOwnerBody = z.object({ gateway: Id }).strict();

export const QuarantineQuery = z.object({
  site: Id.optional(),
  gateway: Id.optional(),
  reason: z.enum(QUARANTINE_REASONS).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Page back: entries with an id below this one (the `next_before` of the previous page). */
  before: z.coerce.number().int().min(1).optional(),
});

export const UsageQuery = z.object({
  site: Id,
  from: Instant,
  to: Instant,
  interval: z.enum(['15m', '1h', '1d']).default('1h'),
  by: z.enum(['zone', 'end_use', 'kind', 'meter']).default('kind'),
  building: Id.optional(),
  /** Main and sub meters both count by default; role=sub (or main) keeps a main meter and its sub-meters from adding up twice. */
  role: z.enum(['all', 'main', 'sub']).default('all'),
}).refine((q) => q.to > q.from, { message: 'to must be after from', path: ['to'] });

export const IndicatorsQuery = z.object({
  year: Year.optional(),
  from: IsoDate.optional().describe('local date YYYY-MM-DD, inclusive'),
  to: IsoDate.optional().describe('local date YYYY-MM-DD, exclusive'),
  ytd: Flag.optional(),
  through: z.coerce.number().int().min(1).max(12).optional().describe('year-to-date through this month'),
});

export const CoverageQuery = z.object({
  live_window_min: z.coerce.number().int().min(1).max(7 * 24 * 60).default(15).describe('a meter heard from within this many minutes is live'),
  year: Year.optional().describe('energy-balance period: a local calendar year (default: this year)'),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
});

export const ReportQuery = z.object({ year: Year, format: z.enum(['csv', 'json']).default('json') });

// ---- what the ingestor answers -------------------------------------------------------------

export const ErrorBody = z.strictObject({ code: z.string(), message: z.string() });

export const UsageHealthSchema = z.strictObject({
  status: z.enum(['ok', 'catching_up', 'degraded']),
  /** Meters whose derivation failed and that wait for a retry. */
  failing_meters: z.number(),
  /** Meters with work queued. */
  pending_meters: z.number(),
  backlog_readings: z.number(),
  /** Of the meters with work queued, the most time between the oldest underived reading and the newest stored. */
  lag_seconds: z.number(),
});
export type UsageHealth = z.infer<typeof UsageHealthSchema>;

/** 200, or 503 with the same body while InfluxDB is down. */
export const HealthSchema = z.strictObject({
  status: z.enum(['ok', 'degraded']), influx: z.enum(['up', 'down']), pending_points: z.number(), usage: UsageHealthSchema,
});

export const GatewaysResponseSchema = z.strictObject({
  gateways: z.array(z.strictObject({
    site: z.string(), gateway: z.string(), online: z.boolean(), status: StatusSchema.nullable(),
    last_batch_at: z.number().nullable(), last_batch_age_ms: z.number().nullable(), last_seq: z.number().nullable(),
    lag_ms: z.number().nullable(), batches: z.number(), readings: z.number(), meters: z.number(),
    refused_meters: z.array(z.strictObject({ meter: z.string(), owner: z.string(), at: z.number() })),
  })),
});

export const ManifestAcceptedSchema = z.strictObject({ site: z.string(), gateway: z.string(), meters: z.number(), new_replacements: z.number() });
export const MeterOwnerResponseSchema = z.strictObject({ site: z.string(), meter: z.string(), gateway: z.string(), previous: z.string().nullable() });

const ValuesSchema = z.record(z.string(), z.number());
const QualitySchema = z.partialRecord(MeasurementKeySchema, QualityFlagSchema);

export const MetersResponseSchema = z.strictObject({
  meters: z.array(z.strictObject({
    id: z.string(), site: z.string(), building: z.string(), gateway: z.string(), name: z.string().nullable(),
    kind: EnergyKindSchema, model: z.string(), zone: ZoneSchema, end_use: EndUseSchema, facility: FacilitySchema.nullable(),
    parent: z.string().nullable(), role: z.enum(['main', 'sub']),
    last_reading: z.strictObject({ ts: z.number(), age_ms: z.number(), values: ValuesSchema, quality: QualitySchema }).nullable(),
  })),
});

/** The stored point read back, with the tags it was stored with. */
export const LatestReadingSchema = z.strictObject({
  meter: z.string(), site: z.string().optional(), building: z.string().optional(), gateway: z.string().optional(),
  kind: z.string().optional(), zone: z.string().optional(), end_use: z.string().optional(),
  ts: z.number(), time: z.string(), values: ValuesSchema, units: z.record(z.string(), z.string()),
});

/** One reading of the live stream (`snapshot` and `readings` events carry arrays of these). */
export const LiveReadingSchema = z.strictObject({
  meter: z.string(), ts: z.number(), values: ValuesSchema, quality: QualitySchema.optional(),
  site: z.string(), building: z.string(), kind: EnergyKindSchema, zone: ZoneSchema, end_use: EndUseSchema,
});
export type LiveReading = z.infer<typeof LiveReadingSchema>;

export const QuarantineEntrySchema = z.strictObject({
  id: z.number(), at: z.number(), site: z.string().nullable(), gateway: z.string().nullable(), seq: z.number().nullable(),
  reason: z.enum(QUARANTINE_REASONS), detail: z.string(),
  /** The refused payload, or a sample of it when it was larger than the limit. */
  payload: z.unknown(),
});
export type QuarantineEntry = z.infer<typeof QuarantineEntrySchema>;

export const QuarantineResponseSchema = z.strictObject({
  entries: z.array(QuarantineEntrySchema),
  counts: z.record(z.string(), z.number()),
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: z.number().nullable(),
});

export const UsageResponseSchema = z.strictObject({
  site: z.string(), from: z.string(), to: z.string(), interval: z.string(), by: z.string(), role: z.string(),
  series: z.array(z.strictObject({
    kind: EnergyKindSchema,
    /** The group's tag, named after `by` (absent when by=kind). */
    zone: z.string().optional(), end_use: z.string().optional(), meter: z.string().optional(),
    unit: z.string(),
    total: MeasureSchema,
    points: z.array(z.strictObject({ ts: z.number(), time: z.string(), value: z.number() })),
  })),
});

const PlatformCountersSchema = z.strictObject({
  connects: z.number(), sent: z.number(), acked: z.number(), refused: z.number(), heartbeats: z.number(), errors: z.number(),
});

export const PlatformsResponseSchema = z.strictObject({
  platforms: z.array(z.strictObject({
    id: z.string(), host: z.string(), port: z.number(), dialect: z.string(), period_min: z.number(),
    connected: z.boolean(), authenticated: z.boolean(),
    last_error: z.string().nullable(), last_error_at: z.string().nullable(), last_ack_at: z.string().nullable(),
    counters: PlatformCountersSchema,
    buildings: z.array(z.strictObject({
      site: z.string(), building: z.string(), building_id: z.string(), gateway_id: z.string(),
      connected: z.boolean(), authenticated: z.boolean(),
      last_error: z.string().nullable(), last_error_at: z.string().nullable(), last_ack_at: z.string().nullable(),
      last_acked_period: z.strictObject({ start: z.string(), end: z.string() }).nullable(),
      next_period_start: z.string(), backlog_periods: z.number(), waiting_for_data_at: z.string().nullable(),
      counters: PlatformCountersSchema,
    })),
  })),
});

export const OpenApiSchema = z.looseObject({ openapi: z.string(), info: z.unknown(), paths: z.record(z.string(), z.unknown()) });

// ---- the routes ----------------------------------------------------------------------------

/** One route. `path` is written as fastify writes it (`/sites/:site`). */
export interface ApiRoute {
  method: 'get' | 'post' | 'put';
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The JSON answer; omitted where the body is not JSON (SSE, Prometheus text). */
  response?: z.ZodType;
  /** The answer's media type where it is not JSON. */
  contentType?: string;
  /** `format=csv` answers text/csv instead of `response`. */
  csv?: boolean;
  /** Needs the bearer token (http.token). */
  write?: boolean;
}

export const API = {
  health: { method: 'get', path: '/healthz', tag: 'health', summary: 'Liveness and InfluxDB reachability (503 when InfluxDB is down)', query: NoQuery, response: HealthSchema },
  metrics: { method: 'get', path: '/metrics', tag: 'health', summary: 'Prometheus metrics', query: NoQuery, contentType: 'text/plain' },
  openapi: { method: 'get', path: '/api/v1/openapi.json', tag: 'health', summary: 'This document', query: NoQuery, response: OpenApiSchema },
  gateways: { method: 'get', path: '/api/v1/gateways', tag: 'gateways', summary: 'Gateways: online state, last batch, lag', query: SiteQuery, response: GatewaysResponseSchema },
  manifest: {
    method: 'post', path: '/api/v1/gateways/:site/:gateway/manifest', tag: 'gateways', write: true,
    summary: 'Upload or override the manifest of a gateway that cannot publish one', params: GatewayParams, body: ManifestSchema, response: ManifestAcceptedSchema,
  },
  meterOwner: {
    method: 'put', path: '/api/v1/sites/:site/meters/:id/owner', tag: 'meters', write: true,
    summary: 'Re-home a meter to another gateway (manifests alone can never move a meter)', params: MeterOwnerParams, body: MeterOwnerBody, response: MeterOwnerResponseSchema,
  },
  meters: { method: 'get', path: '/api/v1/meters', tag: 'meters', summary: 'Meters with zone, end use and last reading', query: SiteQuery, response: MetersResponseSchema },
  latest: {
    method: 'get', path: '/api/v1/meters/:id/latest', tag: 'meters', summary: 'The latest reading stored for a meter, read back from InfluxDB',
    params: MeterParams, query: SiteQuery, response: LatestReadingSchema,
  },
  live: { method: 'get', path: '/api/v1/live', tag: 'meters', summary: 'Server-sent events: a snapshot, then stored readings as they come', query: SiteQuery, contentType: 'text/event-stream' },
  quarantine: { method: 'get', path: '/api/v1/quarantine', tag: 'ingest', summary: 'Quarantined batches and readings with their reasons, newest first', query: QuarantineQuery, response: QuarantineResponseSchema },
  usage: { method: 'get', path: '/api/v1/usage', tag: 'usage', summary: 'Interval usage derived from meter counters', query: UsageQuery, response: UsageResponseSchema },
  sites: { method: 'get', path: '/api/v1/sites', tag: 'sites', summary: 'Sites and their buildings', query: NoQuery, response: SitesResponseSchema },
  indicators: {
    method: 'get', path: '/api/v1/sites/:site/indicators', tag: 'sites', summary: 'Per-area, per-capita and carbon indicators against baseline and targets',
    params: SiteParams, query: IndicatorsQuery, response: SiteReportSchema,
  },
  conflicts: { method: 'get', path: '/api/v1/sites/:site/conflicts', tag: 'sites', summary: 'Where gateway manifests disagree with the site registry', params: SiteParams, query: NoQuery, response: ConflictsResponseSchema },
  coverage: {
    method: 'get', path: '/api/v1/sites/:site/coverage', tag: 'sites', summary: 'Metering coverage (分区/分项计量器具配备率) and energy balance',
    params: SiteParams, query: CoverageQuery, response: CoverageReportSchema,
  },
  annualReport: {
    method: 'get', path: '/api/v1/sites/:site/reports/annual', tag: 'reports', csv: true,
    summary: 'Annual statistics table per building and site, JSON or CSV (UTF-8 with BOM)', params: SiteParams, query: ReportQuery, response: AnnualReportSchema,
  },
  monthlyReport: {
    method: 'get', path: '/api/v1/sites/:site/reports/monthly', tag: 'reports', csv: true,
    summary: 'Monthly quantities per building and kind with kgce and CO2, JSON or CSV (UTF-8 with BOM)', params: SiteParams, query: ReportQuery, response: MonthlyTableSchema,
  },
  platforms: {
    method: 'get', path: '/api/v1/platforms', tag: 'platforms',
    summary: 'Reporting to energy-monitoring platforms: connection, authentication, last acknowledged period, backlog and last error per building',
    query: NoQuery.strict(), response: PlatformsResponseSchema,
  },
  alerts: {
    method: 'get', path: '/api/v1/alerts', tag: 'alerts',
    summary: 'Alerts (firing, acknowledged, resolved), newest first; filter by site, state and rule', query: AlertsQuery, response: AlertsResponseSchema,
  },
  alertAck: {
    method: 'post', path: '/api/v1/alerts/:id/ack', tag: 'alerts', write: true,
    summary: 'Acknowledge an active alert with a note', params: AlertParams, body: AlertAckBody, response: AlertSchema,
  },
} as const satisfies Record<string, ApiRoute>;

export type ApiRouteName = keyof typeof API;

/** The JSON a route answers, as a client reads it. */
export type ApiResponse<K extends ApiRouteName> = (typeof API)[K] extends { response: infer S extends z.ZodType } ? z.output<S> : never;

/** The query a route takes, as a client writes it (before coercion and defaults). */
export type ApiQuery<K extends ApiRouteName> = (typeof API)[K] extends { query: infer S extends z.ZodType } ? z.input<S> : never;
