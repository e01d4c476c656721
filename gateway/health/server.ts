import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ZmError } from '../../core/errors.ts';
import type { ConsoleAuth } from '../console/auth.ts';
import type { Answer, ConsoleRoutes } from '../console/routes.ts';
import { json as jsonAnswer } from '../console/lazy.ts';
import { statusBody, type StatusSources } from './status.ts';

export type HealthSources = StatusSources;

/** The commissioning console on the same listener, and the password that guards everything but /healthz. */
export interface HealthConsole {
  auth: ConsoleAuth;
  routes: ConsoleRoutes;
}

export interface HealthServer {
  /** Starts listening; resolves with the URL it answers on. */
  listen(opts: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}

// A few routes: node:http serves them without a web framework, whose router, schema compiler and
// plugins would stay in the gateway's memory for the life of the process (about 9 MB RSS on a
// board that has 64 MB to give the whole gateway).
type Route = () => { type: string; body: string };

/** The gateway's own listener: /healthz, /api/v1/status, Prometheus /metrics and the console. */
export function buildHealthServer(src: HealthSources, log: Logger, console?: HealthConsole): HealthServer {
  const json = (v: unknown) => ({ type: 'application/json; charset=utf-8', body: JSON.stringify(v) });
  const routes: Record<string, Route> = {
    // 200 whenever the process serves: a journal alarm is for people to see, and a supervisor that
    // restarted the gateway on it would only stop polling while changing nothing about the disk.
    '/healthz': () => {
      const j = src.journal();
      return json({ status: j.alarms.length ? 'degraded' : 'ok', uplink: src.uplink().state, alarms: j.alarms });
    },
    '/api/v1/status': () => json(statusBody(src)),
    '/metrics': () => {
      const now = src.now();
      const j = src.journal();
      const u = src.uplink();
      const lines: string[] = [];
      const m = (name: string, type: string, help: string, samples: [string, number][]) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
      };
      const meters = src.meters();
      m('zm_meter_online', 'gauge', 'Meter answered its last poll.', meters.map((x) => [`{meter="${x.id}",bus="${x.bus}"}`, x.online ? 1 : 0]));
      m('zm_meter_reads_total', 'counter', 'Successful reads per meter.', meters.map((x) => [`{meter="${x.id}",bus="${x.bus}"}`, x.reads]));
      m('zm_meter_errors_total', 'counter', 'Failed reads per meter.', meters.map((x) => [`{meter="${x.id}",bus="${x.bus}"}`, x.errors]));
      m('zm_meter_consecutive_errors', 'gauge', 'Failed reads since the last good one.', meters.map((x) => [`{meter="${x.id}",bus="${x.bus}"}`, x.consecutiveErrors]));
      m('zm_meter_last_read_timestamp_seconds', 'gauge', 'Time of the last good read.', meters.filter((x) => x.lastReadTs !== null).map((x) => [`{meter="${x.id}",bus="${x.bus}"}`, x.lastReadTs! / 1000]));
      m('zm_journal_records', 'gauge', 'Unacknowledged records in the journal.', [['', j.records]]);
      m('zm_journal_bytes', 'gauge', 'Bytes on disk in journal segments.', [['', j.bytes]]);
      m('zm_journal_oldest_unacked_seconds', 'gauge', 'Age of the oldest unacknowledged reading.', [['', j.oldestUnackedTs === null ? 0 : (now - j.oldestUnackedTs) / 1000]]);
      m('zm_journal_dropped_records_total', 'counter', 'Records dropped to keep the journal within its size bound.', [['', j.droppedRecords]]);
      m('zm_journal_torn_records_skipped', 'gauge', 'Bad records skipped by checksum at the last start.', [['', j.tornRecordsSkipped]]);
      m('zm_journal_alarm', 'gauge', 'Journal alarm raised.', j.alarms.map((a) => [`{alarm="${a}"}`, 1]));
      m('zm_uplink_connected', 'gauge', 'Uplink connected to the ingestor.', [['', u.state === 'online' ? 1 : 0]]);
      m('zm_uplink_in_flight_batches', 'gauge', 'Batches sent and not yet acknowledged.', [['', u.inFlight]]);
      m('zm_uplink_resent_batches_total', 'counter', 'Batches sent again after a reconnect or an ack timeout.', [['', u.resends]]);
      m('zm_uplink_batches_sent_total', 'counter', 'Batches sent.', [['', u.batchesSent]]);
      m('zm_uplink_batches_acked_total', 'counter', 'Batches acknowledged by the ingestor.', [['', u.batchesAcked]]);
      m('zm_uplink_readings_acked_total', 'counter', 'Readings acknowledged by the ingestor.', [['', u.readingsAcked]]);
      m('zm_uplink_reconnects_total', 'counter', 'Uplink reconnects.', [['', u.reconnects]]);
      m('zm_uplink_max_batch_bytes', 'gauge', 'Largest batch payload the uplink sends now (config, broker limit, refusals).', [['', u.maxBatchBytes]]);
      m('zm_uplink_split_batches_total', 'counter', 'Batches cut smaller than a journal read to stay under the size limit.', [['', u.splits]]);
      return { type: 'text/plain; version=0.0.4; charset=utf-8', body: `${lines.join('\n')}\n` };
    },
  };

  const answer = async (req: IncomingMessage): Promise<Answer> => {
    const pathname = (req.url ?? '/').split('?')[0]!;
    const get = req.method === 'GET' || req.method === 'HEAD';
    // /healthz stays open for supervisors: it tells whether the process serves, nothing more.
    if (get && pathname === '/healthz') return { status: 200, ...routes['/healthz']!() };
    if (console) {
      const page = get ? await console.routes.asset(pathname) : null;
      if (page) return page;
      const open = await console.routes.open(req, pathname);
      if (open) return open;
      const allowed = await console.auth.allowed(req);
      if (allowed !== true) {
        if (allowed !== false) return jsonAnswer(allowed.status, { code: allowed.status === 429 ? 'ERR_RATE_LIMITED' : 'ERR_UNAUTHORIZED', message: allowed.message });
        return jsonAnswer(401, { code: 'ERR_UNAUTHORIZED', message: 'log in on the console page (/) first, or send the password as HTTP Basic credentials' });
      }
    }
    const route = get ? routes[pathname] : undefined;
    if (route) return { status: 200, ...route() };
    const action = console ? await console.routes.api(req, pathname) : null;
    return action ?? { status: 404, ...json({ statusCode: 404, error: 'Not Found', message: `Route ${req.method} ${req.url} not found` }) };
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    void answer(req).catch((err: unknown): Answer => {
      // Refusals and bad input say what is wrong; anything else is logged and hidden.
      if (err instanceof ZmError && err.status < 500) return jsonAnswer(err.status, { code: err.code, message: err.message });
      log.error({ err }, 'health route failed');
      return { status: 500, ...json({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' }) };
    }).then((out) => {
      res.writeHead(out.status, { ...out.headers, 'content-type': out.type, 'content-length': Buffer.byteLength(out.body) });
      res.end(req.method === 'HEAD' ? undefined : out.body);
    });
  };

  const server = createServer(handle);
  // A health poller that keeps connections open must not hold close() up.
  server.keepAliveTimeout = 5000;
  return {
    listen({ host, port }) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
