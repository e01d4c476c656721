import type { Logger } from 'pino';
import { WIRE_VERSION, type Reading, type Status } from '../core/index.ts';
import type { GatewayConfig } from './config.ts';
import { buildHealthServer } from './health/server.ts';
import { probeListen, splitHostPort } from './preflight.ts';
import { ZmError } from '../core/index.ts';
import { openJournal } from './journal/index.ts';
import type { Journal } from './journal/types.ts';
import { createPoller, type Poller, type SchedulerOptions } from './poll/index.ts';
import { buildManifest } from './uplink/manifest.ts';
import { Uplink } from './uplink/uplink.ts';

export interface GatewayDeps {
  log: Logger;
  now?: () => number;
  scheduler?: SchedulerOptions;
  /** Called with every reading after it is in the journal (tests, live views). */
  onReading?: (reading: Reading) => void;
}

export interface Gateway {
  readonly journal: Journal;
  readonly poller: Poller;
  readonly uplink: Uplink;
  /** Starts polling, the uplink and the health listener; returns the health URL. */
  start(): Promise<string>;
  close(): Promise<void>;
}

/** Builds a gateway: journal, poller, uplink, health server. Nothing runs until start(). */
export async function build(config: GatewayConfig, deps: GatewayDeps): Promise<Gateway> {
  const log = deps.log;
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const journal = await openJournal({ ...config.journal, log });
  const poller = createPoller(config, {
    log,
    now,
    ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
    onReading(reading) {
      journal.append([reading]);
      deps.onReading?.(reading);
    },
  });
  const status = (state: 'online' | 'offline'): Status => {
    const j = journal.stats();
    const meters = poller.meters();
    return {
      v: WIRE_VERSION, site: config.site, gateway: config.gateway, ts: now(), state,
      uptime_s: Math.round((now() - startedAt) / 1000),
      meters: { total: meters.length, online: meters.filter((m) => m.online).length },
      journal: {
        records: j.records, bytes: j.bytes, dropped_records: j.droppedRecords,
        oldest_unacked_ms: j.oldestUnackedTs === null ? null : now() - j.oldestUnackedTs,
      },
      alarms: j.alarms,
    };
  };
  const uplink = new Uplink(config, { journal, log: log.child({ module: 'uplink' }), manifest: () => buildManifest(config, now()), status, now });
  const health = buildHealthServer({
    site: config.site, gateway: config.gateway, startedAt, now,
    meters: () => poller.meters(), journal: () => journal.stats(), uplink: () => uplink.stats,
  }, log.child({ module: 'health' }));

  return {
    journal, poller, uplink,
    async start() {
      const [host, port] = splitHostPort(config.http);
      let url: string;
      try {
        url = await health.listen({ host, port });
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code ? await probeListen(host, port) : null;
        throw why ? new ZmError('ERR_CONFIG_INVALID', `http: ${why}`, { cause: err }) : err;
      }
      uplink.start();
      await poller.start();
      return url;
    },
    async close() {
      await poller.stop();
      await uplink.stop();
      await health.close();
      await journal.close();
    },
  };
}
