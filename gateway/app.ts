import type { Logger } from 'pino';
import type { Reading, Status } from '../core/index.ts';
import { WIRE_VERSION } from '../core/wire.ts';
import { openClock, type ClockKit, type ClockSources } from './clock/index.ts';
import type { NotBefore } from './clock/build-time.ts';
import type { GatewayConfig } from './config.ts';
import { buildHealthServer } from './health/server.ts';
import { createConsoleAuth } from './console/auth.ts';
import { lazyConsoleRoutes } from './console/lazy.ts';
import { probeListen, splitHostPort } from './preflight.ts';
import { ZmError } from '../core/errors.ts';
import { openJournal } from './journal/index.ts';
import type { Journal } from './journal/types.ts';
import { createPoller, type Poller, type SchedulerOptions } from './poll/index.ts';
import { buildManifest } from './uplink/manifest.ts';
import { Uplink } from './uplink/uplink.ts';
import { systemSources as systemSourcesFor } from './clock/sources.ts';

export interface GatewayDeps {
  log: Logger;
  /** The wall clock (default the system's); readings are stamped by the gateway's clock built on it. */
  now?: () => number;
  /** Monotonic clock and NTP state for the gateway's clock (tests hand in fakes). */
  clockSources?: Omit<ClockSources, 'wall'>;
  notBefore?: NotBefore;
  scheduler?: SchedulerOptions;
  /** Called with every reading after it is in the journal (tests, live views). */
  onReading?: (reading: Reading) => void;
  /** The config file, for the console's check to read again (the engineer may have edited it). */
  configFile?: string;
  /** The prebuilt console page (scripts/build-console.ts); without it `/` says how to build one. */
  consoleDir?: string;
}

export interface Gateway {
  readonly journal: Journal;
  readonly clock: ClockKit;
  readonly poller: Poller;
  readonly uplink: Uplink;
  /** Starts polling, the uplink and the health listener; returns the health URL. */
  start(): Promise<string>;
  close(): Promise<void>;
}

/** Builds a gateway: journal, poller, uplink, health server. Nothing runs until start(). */
export async function build(config: GatewayConfig, deps: GatewayDeps): Promise<Gateway> {
  const log = deps.log;
  const journal = await openJournal({ ...config.journal, log });
  // Readings are held before the journal until the clock is trusted, then stamped with its time.
  const clock = await openClock({ ...config.clock, dir: config.clock.dir ?? config.journal.dir }, {
    log, journal,
    ...(deps.clockSources || deps.now ? { sources: { ...systemSourcesFor(config.clock.offsetMs), ...deps.clockSources, ...(deps.now ? { wall: deps.now } : {}) } } : {}),
    ...(deps.notBefore ? { notBefore: deps.notBefore } : {}),
    emit(readings) {
      journal.append(readings);
      for (const r of readings) deps.onReading?.(r);
    },
  });
  const now = () => clock.clock.now();
  const startedAt = now();
  const meterClock = new Set(config.meters.filter((m) => m.mqtt?.timePath).map((m) => m.id));
  // The last values of each meter, for the console: one small object per meter, replaced on each read.
  const lastValues = new Map<string, Reading['values']>();
  const poller = createPoller(config, {
    log,
    now: () => clock.clock.readTime(),
    ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
    onReading(reading, stampedBy) {
      lastValues.set(reading.meter, reading.values);
      clock.accept(reading, stampedBy);
    },
  });
  // Poller stamps shown as the trusted time (a meter's own MQTT time is shown as it came).
  const meters = () => poller.meters().map((m) => (m.lastReadTs === null || meterClock.has(m.id) ? m : { ...m, lastReadTs: clock.display(m.lastReadTs) }));
  const status = (state: 'online' | 'offline'): Status => {
    const j = journal.stats();
    const ms = meters();
    return {
      v: WIRE_VERSION, site: config.site, gateway: config.gateway, ts: Math.max(0, Math.round(now())), state,
      uptime_s: clock.status().uptime_s,
      meters: { total: ms.length, online: ms.filter((m) => m.online).length },
      journal: {
        records: j.records, bytes: j.bytes, dropped_records: j.droppedRecords,
        oldest_unacked_ms: j.oldestUnackedTs === null ? null : Math.max(0, now() - j.oldestUnackedTs),
      },
      alarms: [...j.alarms, ...clock.alarms()],
    };
  };
  const uplink = new Uplink(config, {
    journal, log: log.child({ module: 'uplink' }), manifest: () => buildManifest(config, Math.max(0, Math.round(now()))), status, now,
    mono: () => clock.clock.mono(), clock: clock.clock, stream: clock.stream,
  });
  const auth = createConsoleAuth(config.http);
  const health = buildHealthServer({
    site: config.site, gateway: config.gateway, startedAt, now, config,
    meters, journal: () => journal.stats(), uplink: () => uplink.stats, clock: () => clock.status(),
    buses: () => poller.buses(), values: (id) => lastValues.get(id),
  }, log.child({ module: 'health' }), {
    auth, routes: lazyConsoleRoutes({ config, configFile: deps.configFile, consoleDir: deps.consoleDir, poller, auth, now }),
  });

  return {
    journal, clock, poller, uplink,
    async start() {
      const [host, port] = splitHostPort(config.http.listen);
      let url: string;
      try {
        url = await health.listen({ host, port });
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code ? await probeListen(host, port) : null;
        throw why ? new ZmError('ERR_CONFIG_INVALID', `http: ${why}`, { cause: err }) : err;
      }
      await clock.start();
      uplink.start();
      await poller.start();
      return url;
    },
    async close() {
      await poller.stop();
      await uplink.stop();
      await health.close();
      clock.close();
      await journal.close();
    },
  };
}
