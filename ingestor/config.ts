import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Id, MeasurementKeySchema, ZmError, parseConfig } from '../core/index.ts';
import { PlatformsSchema } from './platforms/config.ts';
import { AlertsConfigSchema } from './alerts/config.ts';

const Port = z.coerce.number().int().min(0).max(65535);

export const GatewayCredentialSchema = z.object({
  id: Id,
  site: Id,
  /** scrypt hash from `zonemeter ingestor hash-password`: scrypt$N$r$p$salt$hash (base64). */
  passwordHash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'expected a hash from `zonemeter ingestor hash-password`'),
  /** Meters this gateway owns whatever other manifests claim; others are owned by the first gateway to declare them. */
  meters: z.array(Id).optional(),
});
export type GatewayCredential = z.infer<typeof GatewayCredentialSchema>;

const TlsSchema = z.object({ cert: z.string(), key: z.string(), ca: z.string().optional(), requestCert: z.boolean().default(false) });

export const IngestorConfigSchema = z.object({
  http: z.object({
    host: z.string().default('127.0.0.1'),
    port: Port.default(8080),
    /** Bearer token every write endpoint requires; write endpoints are refused while unset. */
    token: z.string().min(16, 'use a token of at least 16 characters').optional(),
  }).prefault({}),
  mqtt: z.object({
    mode: z.enum(['embedded', 'external']).default('embedded'),
    host: z.string().default('127.0.0.1'),
    port: Port.default(1883),
    tls: TlsSchema.extend({ port: Port.default(8883) }).optional(),
    websocket: z.object({ port: Port }).optional(),
    maxPacketBytes: z.number().int().min(1024).default(4 * 1024 * 1024),
    maxConnections: z.number().int().min(1).default(10_000),
    /** Failed logins allowed per source address and per user name in windowMs before further attempts are refused unchecked. */
    loginFailures: z.object({
      max: z.number().int().min(1).default(10),
      windowMs: z.number().int().min(1000).default(60_000),
    }).prefault({}),
    /** External mode: the broker to join and the shared-subscription group replicas split load in. */
    external: z.object({
      url: z.string().regex(/^(mqtts?|wss?):\/\//, 'expected mqtt:// or mqtts:// URL'),
      username: z.string().optional(),
      password: z.string().optional(),
      group: Id.default('ingestors'),
      clientId: z.string().optional(),
    }).optional(),
  }).prefault({}),
  gateways: z.array(GatewayCredentialSchema).default([]),
  influx: z.object({
    url: z.string().url().default('http://127.0.0.1:8086'),
    database: Id.default('zonemeter'),
    username: z.string().optional(),
    password: z.string().optional(),
    /** InfluxDB 2.x/3.x v1-compatibility token. */
    token: z.string().optional(),
    retentionPolicy: z.string().optional(),
    /** Shard group duration of a database the ingestor creates (InfluxQL duration; '' = influxd's default). */
    shardDuration: z.union([z.literal(''), z.string().regex(/^\d+[hdw]$/, 'expected an InfluxQL duration such as 52w, 30d or 168h')]).default('52w'),
    maxPointsPerWrite: z.number().int().min(1).default(5000),
    flushMs: z.number().int().min(0).default(50),
    /** Line protocol waiting for InfluxDB; a batch beyond it is left unacked for its gateway to resend. */
    maxPendingBytes: z.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
  }).prefault({}),
  ingest: z.object({
    /** Readings stamped further ahead than this are quarantined (a gateway clock gone wrong). */
    maxFutureMs: z.number().int().min(0).default(5 * 60_000),
    /** Readings older than this are quarantined: InfluxDB would drop them under its retention. */
    maxAgeDays: z.number().min(1).default(3650),
  }).prefault({}),
  /** Refused data kept in dataDir/quarantine.jsonl (and one rotated file). */
  quarantine: z.object({
    maxEntries: z.number().int().min(10).default(20_000),
    maxBytes: z.number().int().min(64 * 1024).default(64 * 1024 * 1024),
    /** A refused payload above this is kept as a sample with its size and SHA-256. */
    maxPayloadBytes: z.number().int().min(256).default(8 * 1024),
    memoryEntries: z.number().int().min(1).max(100_000).default(500),
    perGatewayPerMinute: z.number().int().min(1).default(120),
  }).prefault({}),
  dataDir: z.string().default('./var/ingestor'),
  registry: z.string().optional(),
  /** Hours a site day is ahead of UTC, for daily rollups (Chinese sites: +8). */
  utcOffsetHours: z.number().min(-12).max(14).default(8),
  usage: z.object({
    /** Where a model's counter register wraps to 0, e.g. { DDS666: { energy_import_kwh: 1000000 } }. */
    rollover: z.record(z.string(), z.partialRecord(MeasurementKeySchema, z.number().positive())).default({}),
    /**
     * A step between two counter readings longer than this is spread evenly and counted as estimated:
     * in the totals, not in completeness. 24 h by default; raise it for meters read monthly by hand.
     */
    estimateAfterHours: z.number().positive().max(24 * 400).default(24),
    /** Seconds a meter must go without late readings before a long gap they lead into is derived. */
    lateSettleSeconds: z.number().min(0).max(3600).default(5),
    /** Most readings held in memory for derivation; beyond it meters re-derive from InfluxDB instead. */
    maxQueuedReadings: z.number().int().min(1).max(10_000_000).default(200_000),
  }).prefault({}),
  /** Energy-monitoring platforms to report to (能耗监测系统数据传输技术导则); see docs/platforms.md. */
  platforms: PlatformsSchema,
  /** Alert evaluation, state and delivery to webhooks; see docs/alerts.md. */
  alerts: AlertsConfigSchema.prefault({}),
}).superRefine((cfg, ctx) => {
  if (cfg.mqtt.mode === 'external' && !cfg.mqtt.external) {
    ctx.addIssue({ code: 'custom', path: ['mqtt', 'external'], message: 'external mode needs mqtt.external.url' });
  }
  const seen = new Set<string>();
  const pinned = new Map<string, string>();
  cfg.gateways.forEach((g, i) => {
    if (seen.has(g.id)) ctx.addIssue({ code: 'custom', path: ['gateways', i, 'id'], message: `duplicate gateway id "${g.id}"` });
    seen.add(g.id);
    (g.meters ?? []).forEach((m, k) => {
      const other = pinned.get(`${g.site}/${m}`);
      if (other && other !== g.id) ctx.addIssue({ code: 'custom', path: ['gateways', i, 'meters', k], message: `meter "${m}" is already pinned to gateway "${other}"` });
      pinned.set(`${g.site}/${m}`, g.id);
    });
  });
});
export type IngestorConfig = z.infer<typeof IngestorConfigSchema>;

/**
 * Reads a YAML/JSON ingestor config. Environment variables override the file: ZM_HTTP_PORT,
 * ZM_MQTT_PORT, INFLUX_URL, INFLUX_DB, INFLUX_TOKEN, ZM_API_TOKEN, ZM_DATA_DIR; ZM_ALERT_WEBHOOK_URL (with
 * ZM_ALERT_WEBHOOK_TYPE, default generic, and ZM_ALERT_WEBHOOK_SECRET) adds a webhook.
 */
export function loadIngestorConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): IngestorConfig {
  const raw = (file ? readFile(file) : {}) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ZmError('ERR_CONFIG_INVALID', `${file}: expected a mapping at the top level`);
  }
  return parseConfig(IngestorConfigSchema, applyEnv(raw as Record<string, unknown>, env), file ?? '(defaults)');
}

export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const obj = structuredClone(raw);
  const section = (k: string) => ((obj[k] ??= {}) as Record<string, unknown>);
  if (env.ZM_HTTP_PORT) section('http').port = env.ZM_HTTP_PORT;
  if (env.ZM_API_TOKEN) section('http').token = env.ZM_API_TOKEN;
  if (env.ZM_MQTT_PORT) section('mqtt').port = env.ZM_MQTT_PORT;
  if (env.INFLUX_URL) section('influx').url = env.INFLUX_URL;
  if (env.INFLUX_DB) section('influx').database = env.INFLUX_DB;
  if (env.INFLUX_TOKEN) section('influx').token = env.INFLUX_TOKEN;
  if (env.ZM_DATA_DIR) obj.dataDir = env.ZM_DATA_DIR;
  // One more webhook from the environment (a deployment's secret store, the demo under test).
  if (env.ZM_ALERT_WEBHOOK_URL) {
    const alerts = section('alerts');
    const hooks = Array.isArray(alerts.webhooks) ? alerts.webhooks as unknown[] : [];
    alerts.webhooks = [...hooks, {
      id: 'env', type: env.ZM_ALERT_WEBHOOK_TYPE ?? 'generic', url: env.ZM_ALERT_WEBHOOK_URL,
      ...(env.ZM_ALERT_WEBHOOK_SECRET ? { secret: env.ZM_ALERT_WEBHOOK_SECRET } : {}),
    }];
  }
  return obj;
}

function readFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ZmError('ERR_CONFIG_READ', `${file}: ${(err as Error).message}`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new ZmError('ERR_CONFIG_INVALID', `${file}: not valid YAML/JSON`, { details: [(err as Error).message] });
  }
}
