import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { JournalStats } from '../journal/types.ts';
import type { MeterState } from '../poll/index.ts';
import type { UplinkStats } from '../uplink/uplink.ts';

export interface HealthSources {
  site: string;
  gateway: string;
  startedAt: number;
  meters(): MeterState[];
  journal(): JournalStats;
  uplink(): UplinkStats;
  now(): number;
  /** Whether the clock is trusted and why (gateway/clock), merged into the status's clock object. */
  clock?(): object;
}

export interface HealthServer {
  /** Starts listening; resolves with the URL it answers on. */
  listen(opts: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}

// Three read-only GET routes on loopback: node:http serves them without a web framework, whose
// router, schema compiler and plugins would stay in the gateway's memory for the life of the
// process (about 9 MB RSS on a board that has 64 MB to give the whole gateway).
type Route = () => { type: string; body: string };

/** The gateway's own loopback listener: /healthz, /api/v1/status and Prometheus /metrics. */
export function buildHealthServer(src: HealthSources, log: Logger): HealthServer {
  const json = (v: unknown) => ({ type: 'application/json; charset=utf-8', body: JSON.stringify(v) });
  const routes: Record<string, Route> = {
    // 200 whenever the process serves: a journal alarm is for people to see, and a supervisor that
    // restarted the gateway on it would only stop polling while changing nothing about the disk.
    '/healthz': () => {
      const j = src.journal();
      return json({ status: j.alarms.length ? 'degraded' : 'ok', uplink: src.uplink().state, alarms: j.alarms });
    },
    '/api/v1/status': () => {
      const now = src.now();
      const j = src.journal();
      return json({
        site: src.site, gateway: src.gateway,
        clock: { now, iso: new Date(now).toISOString(), uptime_s: Math.round((now - src.startedAt) / 1000), ...src.clock?.() },
        meters: src.meters().map((m) => ({
          id: m.id, bus: m.bus, online: m.online, state: m.state, last_read: m.lastReadTs,
          consecutive_errors: m.consecutiveErrors, last_error: m.lastError, reads: m.reads, errors: m.errors,
          // Status bits the meter itself reports (CJ/T 188 ST: valve, battery).
          ...(m.alarms?.length ? { alarms: m.alarms } : {}),
        })),
        journal: {
          records: j.records, bytes: j.bytes, first_seq: j.firstSeq, last_seq: j.lastSeq, acked_seq: j.ackedSeq,
          oldest_unacked_age_ms: j.oldestUnackedTs === null ? null : now - j.oldestUnackedTs,
          dropped_records: j.droppedRecords, torn_records_skipped: j.tornRecordsSkipped, alarms: j.alarms,
        },
        uplink: src.uplink(),
      });
    },
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

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const route = req.method === 'GET' || req.method === 'HEAD' ? routes[(req.url ?? '/').split('?')[0]!] : undefined;
    let out: { status: number; type: string; body: string };
    try {
      out = route ? { status: 200, ...route() } : { status: 404, ...json({ statusCode: 404, error: 'Not Found', message: `Route ${req.method} ${req.url} not found` }) };
    } catch (err) {
      log.error({ err }, 'health route failed');
      out = { status: 500, ...json({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' }) };
    }
    res.writeHead(out.status, { 'content-type': out.type, 'content-length': Buffer.byteLength(out.body) });
    res.end(req.method === 'HEAD' ? undefined : out.body);
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
