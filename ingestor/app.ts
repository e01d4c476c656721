import path from 'node:path';
import { ZmError } from '../core/index.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { IngestorConfig } from './config.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded.ts';
import { connectExternalBus } from './broker/external.ts';
import type { MessageBus, MessageHandler } from './broker/bus.ts';
import { Directory } from './ingest/directory.ts';
import { IngestPipeline } from './ingest/pipeline.ts';
import { Quarantine } from './ingest/quarantine.ts';
import { LiveHub } from './live/hub.ts';
import { InfluxClient } from './store/influx.ts';
import { PointWriter } from './store/writer.ts';
import { clientErrorAsJson, installErrorHandler, listenError } from './api/errors.ts';
import { healthRoutes } from './api/health.ts';
import { gatewaysRoutes } from './api/gateways.ts';
import { quarantineRoutes } from './api/quarantine.ts';
import { openApiRoutes } from './api/openapi.ts';
import { metersRoutes } from './api/meters.ts';
import { liveRoutes } from './api/live.ts';
import type { ApiContext } from './api/context.ts';
import { renderMetrics } from './metrics.ts';
import { UsageService } from './usage/service.ts';
import { usageMetrics } from './usage/metrics.ts';
import { TotalsCache } from './reports/totals.ts';
import { MonthTotals, monthTotalsMetrics } from './reports/month-totals.ts';
import { loadRegistryFile } from './registry/load.ts';
import type { Registry } from './registry/schema.ts';
import { parseUtcOffset } from './usage/buckets.ts';
import { ConflictMonitor } from './registry/monitor.ts';
import { reportingRoutes } from './api/reporting.ts';
import { platformsRoutes } from './api/platforms.ts';
import { PlatformService } from './platforms/index.ts';
import { checkPlatformBuildings } from './platforms/config.ts';
import { AlertService } from './alerts/service.ts';
import { alertsRoutes } from './api/alerts.ts';

export interface IngestorDeps {
  log: Logger;
  /** A built dashboard (index.html + assets) to serve at `/`. */
  dashboardDir?: string;
  now?: () => number;
}

export interface Ingestor {
  readonly http: FastifyInstance;
  /** The embedded broker once started; null before start() and in external mode. */
  readonly broker: EmbeddedBroker | null;
  /** Publishes and subscribes through the broker or external bus once started. */
  readonly bus: MessageBus;
  readonly pipeline: IngestPipeline;
  readonly directory: Directory;
  readonly influx: InfluxClient;
  readonly usage: UsageService;
  /** Reporters to the energy-monitoring platforms (`platforms:`), or null when none is configured. */
  readonly platforms: PlatformService | null;
  /** Alert rules, state and webhooks. */
  readonly alerts: AlertService;
  /** Every route registered (HEAD excluded), for the test that keeps the OpenAPI document whole. */
  readonly routes: readonly { method: string; url: string }[];
  /**
   * Creates the InfluxDB database, opens the MQTT listeners (or joins the external bus), subscribes
   * the pipeline and starts the platform reporters. Once; listen() calls it.
   */
  start(): Promise<void>;
  /** start(), then HTTP on the configured host/port (0 → ephemeral); returns the base URL. */
  listen(): Promise<string>;
  /** Stops whatever runs; safe whether or not start() or listen() ran or finished. */
  close(): Promise<void>;
}

/**
 * Builds the ingestor: reads and checks the registry, assembles store, pipeline, usage, reporters
 * and the API routes. Nothing listens, connects or writes to InfluxDB until start()/listen(), so
 * tests of routes alone build and inject without a database or a port.
 */
export async function build(config: IngestorConfig, deps: IngestorDeps): Promise<Ingestor> {
  const log = deps.log;
  const now = deps.now ?? Date.now;
  // Read before anything starts: a bad registry stops start-up with every problem and its path.
  const registry = config.registry ? loadRegistryFile(config.registry) : null;
  if (registry) checkRollupOffset(registry, config.registry!, config.utcOffsetHours);
  const unmapped = registry ? checkPlatformBuildings(config.platforms, registry) : [];
  if (unmapped.length) throw new ZmError('ERR_CONFIG_INVALID', `platforms: ${unmapped.length} building(s) not in ${config.registry}`, { details: unmapped });
  const influx = new InfluxClient(config.influx);
  // Create the database when InfluxDB is there; when it is not yet, the writer's retries and the
  // ensure below (run again on first successful ping) keep going rather than refusing to start.
  const ensureDb = () => influx.createDatabase().then(() => true, (err: Error) => {
    log.warn({ err: err.message }, 'cannot create InfluxDB database yet');
    return false;
  });
  let dbReady = false;
  const sink = {
    async write(lines: readonly (Buffer | string)[]) {
      if (!dbReady) dbReady = await ensureDb();
      await influx.write(lines);
    },
  };
  const writer = new PointWriter(sink, {
    maxPoints: config.influx.maxPointsPerWrite, flushMs: config.influx.flushMs, maxBytes: config.influx.maxPendingBytes, log: log.child({ module: 'writer' }),
  });
  const pinned = new Map(config.gateways.flatMap((g) => (g.meters ?? []).map((m) => [`${g.site}/${m}`, g.id] as const)));
  const directory = new Directory(config.dataDir, log.child({ module: 'directory' }), pinned, now);
  const quarantine = await Quarantine.open(config.dataDir, log.child({ module: 'quarantine' }), config.quarantine, now);
  const live = new LiveHub();
  // Usage writes go straight to InfluxDB, not through the ingest writer: they rewrite the same points
  // as intervals fill (the writer folds repeats of a point into its first copy), and a long
  // re-derivation must not queue ahead of the gateways' batches and their acks.
  const monthTotals = new MonthTotals(influx, {
    now, onError: (err) => log.warn({ err: err.message }, 'cannot load the monthly usage totals; whole-month indicators read InfluxDB per request meanwhile'),
  });
  let alerts: AlertService | null = null;
  const usage = new UsageService(influx, sink, directory, log.child({ module: 'usage' }), {
    onMonth: (meter, start, f) => monthTotals.record(meter, start, f),
    dataDir: config.dataDir, utcOffsetHours: config.utcOffsetHours, rollover: config.usage.rollover,
    gapMs: config.usage.estimateAfterHours * 3_600_000, settleMs: config.usage.lateSettleSeconds * 1000,
    maxQueuedReadings: config.usage.maxQueuedReadings,
    onCounterEvent: (meter, e) => alerts?.onCounterEvent(meter, e),
  });
  const totals = new TotalsCache(influx, usage, { months: monthTotals });
  alerts = new AlertService(config.alerts, {
    influx, directory, registry, totals: (site, periods) => totals.totals(site, periods), dataDir: config.dataDir,
    utcOffsetHours: config.utcOffsetHours, log: log.child({ module: 'alerts' }), now,
    usageNotReady: () => {
      const h = usage.health();
      return h.status === 'degraded' ? 'usage derivation is failing' : h.lag_seconds > 3600 ? `usage derivation is ${Math.round(h.lag_seconds / 60)} min behind its readings` : null;
    },
  });
  const alertService = alerts;
  const conflicts = registry ? new ConflictMonitor(registry, () => directory.allManifests(), log.child({ module: 'registry' }), () => directory.refusedClaims()) : null;
  conflicts?.check();

  let broker: EmbeddedBroker | null = null;
  const bus = new PendingBus();

  const pipeline = new IngestPipeline(bus, directory, writer, quarantine, log.child({ module: 'ingest' }), {
    maxFutureMs: config.ingest.maxFutureMs,
    maxAgeMs: config.ingest.maxAgeDays * 86_400_000,
    now,
  }, {
    onStored: (stored) => {
      live.publish(stored);
      usage.onStored(stored);
      alertService.onStored(stored);
    },
  });
  const platforms = config.platforms.length ? new PlatformService(config.platforms, {
    influx, directory, dataDir: config.dataDir, utcOffsetHours: config.utcOffsetHours, now, log: log.child({ module: 'platforms' }),
  }) : null;

  const http = Fastify({
    loggerInstance: log.child({ module: 'http' }, { level: 'warn' }) as FastifyBaseLogger, bodyLimit: 1024 * 1024,
    clientErrorHandler: clientErrorAsJson,
  });
  installErrorHandler(http);
  const routes: { method: string; url: string }[] = [];
  http.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });
  const ctx: ApiContext = {
    influx, writer, directory, quarantine, pipeline, live, bus, token: config.http.token, now,
    metrics: () => renderMetrics({ pipeline, writer, quarantine, directory, live, broker: broker?.counters ?? null, now: now() }) + usageMetrics(usage) + monthTotalsMetrics(monthTotals.stats()) + (platforms?.metrics() ?? '') + alertService.metrics(),
    usage: () => usage.health(),
  };
  await http.register(healthRoutes(ctx));
  await http.register(openApiRoutes());
  await http.register(gatewaysRoutes(ctx));
  await http.register(quarantineRoutes(ctx));
  await http.register(metersRoutes(ctx));
  await http.register(liveRoutes(ctx));
  await http.register(reportingRoutes({ influx, totals, directory, live, now, registry, conflicts, utcOffsetHours: config.utcOffsetHours }));
  await http.register(platformsRoutes(platforms));
  await http.register(alertsRoutes(alertService, config.http.token));
  if (deps.dashboardDir) serveDashboard(http, deps.dashboardDir);

  let starting: Promise<void> | null = null;
  const open = async () => {
    dbReady = await ensureDb();
    if (config.mqtt.mode === 'external') {
      bus.attach(await connectExternalBus(config.mqtt.external!, log.child({ module: 'mqtt' })));
    } else {
      broker = await startEmbeddedBroker(config.mqtt, config.gateways, log.child({ module: 'broker' }));
      bus.attach(broker);
    }
    await pipeline.start();
    platforms?.start();
    alertService.start();
    // Not awaited: on a large database the load takes a while, and requests read InfluxDB meanwhile.
    void monthTotals.start().then(() => {
      const st = monthTotals.stats();
      if (st.state === 'ready') log.info({ series: st.series, months: st.months, seconds: st.loadSeconds }, 'monthly usage totals loaded');
    });
  };

  return {
    http, bus, pipeline, directory, influx, routes, usage, platforms, alerts: alertService,
    get broker() {
      return broker;
    },
    start() {
      return (starting ??= open());
    },
    async listen() {
      await (starting ??= open());
      try {
        return await http.listen({ host: config.http.host, port: config.http.port });
      } catch (err) {
        throw listenError(err, 'http.port', config.http.host, config.http.port);
      }
    },
    async close() {
      // A start() still under way is waited for, so nothing it opens outlives close().
      await starting?.catch(() => undefined);
      monthTotals.stop();
      await http.close();
      await platforms?.close();
      await alertService.close();
      await bus.close();
      await usage.close();
      await writer.close();
      influx.close();
    },
  };
}

/**
 * The bus the pipeline and the routes hold from build() on; it reaches the broker or the external
 * MQTT connection that start() opens.
 */
class PendingBus implements MessageBus {
  private bus: MessageBus | null = null;

  attach(bus: MessageBus): void {
    this.bus = bus;
  }

  subscribe(filter: string, handler: MessageHandler): Promise<void> {
    return this.live().subscribe(filter, handler);
  }

  publish(topic: string, payload: string, opts: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    return this.live().publish(topic, payload, opts);
  }

  async close(): Promise<void> {
    await this.bus?.close();
  }

  private live(): MessageBus {
    if (!this.bus) throw new Error('MQTT is not started: call start() or listen() first');
    return this.bus;
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.map': 'application/json',
};

/** Serves the built dashboard: a handful of files, read once into memory. */
function serveDashboard(http: FastifyInstance, dir: string): void {
  const cache = new Map<string, Buffer>();
  const load = (name: string): Buffer | null => {
    const file = path.resolve(dir, name);
    // Only regular files: `assets/.` names the folder itself, which readFileSync cannot read.
    if (!file.startsWith(path.resolve(dir) + path.sep) || !existsSync(file) || !statSync(file).isFile()) return null;
    let body = cache.get(name);
    if (!body) {
      body = readFileSync(file);
      cache.set(name, body);
    }
    return body;
  };
  http.get('/', (_req, reply) => {
    const body = load('index.html');
    if (!body) return reply.status(404).send({ code: 'ERR_NOT_FOUND', message: 'dashboard not built' });
    return reply.type(TYPES['.html']!).header('Cache-Control', 'no-cache').send(body);
  });
  http.get('/assets/:file', (req, reply) => {
    const name = `assets/${(req.params as { file: string }).file}`;
    const body = /^[\w.-]+$/.test(name.slice(7)) ? load(name) : null;
    if (!body) return reply.status(404).send({ code: 'ERR_NOT_FOUND', message: 'no such asset' });
    return reply.type(TYPES[path.extname(name)] ?? 'application/octet-stream').header('Cache-Control', 'public, max-age=300').send(body);
  });
}

/**
 * The daily rollups cut days at one offset for the whole ingestor, while reports cut years and
 * months at each site's own offset. Where the two differ every day, month and year of that site
 * would be off by the difference, so start-up refuses rather than report shifted figures.
 */
function checkRollupOffset(registry: Registry, file: string, utcOffsetHours: number): void {
  const rollupMin = Math.round(utcOffsetHours * 60);
  const problems: string[] = [];
  registry.institutions.forEach((inst, a) => inst.sites.forEach((site, b) => {
    if (parseUtcOffset(site.utcOffset) !== rollupMin) {
      problems.push(`institutions[${a}].sites[${b}].utcOffset: "${site.utcOffset}" differs from the ingestor's utcOffsetHours ${utcOffsetHours}, which cuts the daily rollups; set both to the site's local offset`);
    }
  }));
  if (problems.length) throw new ZmError('ERR_CONFIG_INVALID', `${file}: ${problems.length} problem(s)`, { details: problems });
}
