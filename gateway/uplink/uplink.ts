import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { WIRE_VERSION, parsePayload, topics, type Batch, type Manifest, type Status } from '../../core/index.ts';
import type { GatewayConfig } from '../config.ts';
import type { Journal } from '../journal/types.ts';

export type UplinkState = 'connecting' | 'online' | 'offline' | 'stopped';

export interface UplinkStats {
  state: UplinkState;
  connectedSince: number | null;
  reconnects: number;
  batchesSent: number;
  batchesAcked: number;
  readingsAcked: number;
  quarantinedAcks: number;
  inFlight: number;
  resends: number;
  lastAckAt: number | null;
  lastError: string | null;
  /** Largest batch payload this connection may send: the config's, or less once the broker said so. */
  maxBatchBytes: number;
  /** The broker's packet limit as learnt from its retained limits message; null until then. */
  brokerMaxPacketBytes: number | null;
  /** Batches cut smaller than a journal read to stay under the size limit. */
  splits: number;
}

interface InFlight {
  firstSeq: number;
  lastSeq: number;
  sentAt: number;
  acked: boolean;
  bytes: number;
}

// MQTT fixed header (≤ 5 bytes), topic length and topic, packet id: room left around the payload.
const PACKET_OVERHEAD = 512;
const MIN_BATCH_BYTES = 1024;

export interface UplinkDeps {
  journal: Journal;
  log: Logger;
  manifest: () => Manifest;
  status: (state: 'online' | 'offline') => Status;
  now?: () => number;
  /** Backoff bounds for reconnects, ms. */
  backoff?: { minMs: number; maxMs: number };
}

/**
 * Streams the journal to the ingestor over MQTT. A batch is a run of consecutive journal records;
 * its seq is the last record's seq. Records leave the journal only when the ingestor acks, and
 * only as a contiguous prefix, so an ack arriving out of order never skips unsent data. After a
 * reconnect or an ack timeout everything unacked is sent again from the cursor (go-back-N): the
 * ingestor's writes are idempotent, so a resend overwrites itself.
 */
export class Uplink {
  private client: MqttClient | null = null;
  private readonly inflight: InFlight[] = [];
  /** Highest seq handed to MQTT in this connection. */
  private sentUpTo = 0;
  /** Bumped on every go-back-N restart: a read begun before it must not be sent after it. */
  private epoch = 0;
  private pumping = false;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  readonly stats: UplinkStats = {
    state: 'connecting', connectedSince: null, reconnects: 0, batchesSent: 0, batchesAcked: 0, readingsAcked: 0,
    quarantinedAcks: 0, inFlight: 0, resends: 0, lastAckAt: null, lastError: null,
    maxBatchBytes: 0, brokerMaxPacketBytes: null, splits: 0,
  };
  /** Lowered when the broker dropped the connection over a batch: halved until batches pass. */
  private sizeCap = Infinity;
  /** Smallest batch sent right before the broker closed the connection: the cap never grows back to it. */
  private refusedBytes = Infinity;
  private readonly now: () => number;
  private readonly cfg: GatewayConfig['uplink'];

  constructor(private readonly config: GatewayConfig, private readonly deps: UplinkDeps) {
    this.now = deps.now ?? Date.now;
    this.cfg = config.uplink;
    this.stats.maxBatchBytes = this.cfg.batch.maxBytes;
  }

  /** What a batch payload may weigh now: config, the broker's limit, and what the broker has refused. */
  private batchBudget(): number {
    const broker = this.stats.brokerMaxPacketBytes === null ? Infinity : this.stats.brokerMaxPacketBytes - PACKET_OVERHEAD;
    return Math.max(MIN_BATCH_BYTES, Math.min(this.cfg.batch.maxBytes, broker, this.sizeCap));
  }

  start(): void {
    this.connect();
    this.statusTimer = setInterval(() => this.publishStatus(), 10_000);
    this.statusTimer.unref();
  }

  private options(): IClientOptions {
    const tls = this.cfg.tls;
    return {
      // The ingestor binds client ids to the gateway's user name (`<gateway>` or `<gateway>-…`), so
      // no other gateway can take this session over.
      clientId: this.config.gateway,
      username: this.cfg.username,
      password: this.cfg.password,
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      // Reconnects are scheduled here with exponential backoff and jitter instead of mqtt.js's
      // fixed period, so a fleet of gateways does not stampede an ingestor that comes back.
      reconnectPeriod: 0,
      ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
      ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
      ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
      will: {
        topic: topics.status(this.config.site, this.config.gateway),
        payload: Buffer.from(JSON.stringify(this.deps.status('offline'))),
        qos: 1,
        retain: true,
      },
    };
  }

  private connect(): void {
    if (this.stopped) return;
    this.stats.state = 'connecting';
    const client = mqtt.connect(this.cfg.url, this.options());
    this.client = client;
    client.on('connect', () => void this.onConnect(client));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => {
      this.stats.lastError = err.message;
      this.deps.log.warn({ err: err.message }, 'uplink error');
    });
    client.on('close', () => this.onClose(client));
  }

  private async onConnect(client: MqttClient): Promise<void> {
    this.attempt = 0;
    this.stats.state = 'online';
    this.stats.connectedSince = this.now();
    this.deps.log.info({ url: this.cfg.url }, 'uplink connected');
    try {
      const granted = await client.subscribeAsync(topics.ack(this.config.site, this.config.gateway), { qos: 1 });
      if (granted.some((g) => g.qos === 128)) throw new Error('the broker refused the ack subscription');
      // An external broker may not offer limits; then the config's batch.maxBytes is the limit.
      const limits = await client.subscribeAsync(topics.limits(this.config.site, this.config.gateway), { qos: 1 }).catch(() => []);
      if (limits.some((g) => g.qos === 128)) this.deps.log.debug('no limits topic on this broker; using batch.maxBytes');
      await client.publishAsync(topics.manifest(this.config.site, this.config.gateway), JSON.stringify(this.deps.manifest()), { qos: 1, retain: true });
      await client.publishAsync(topics.status(this.config.site, this.config.gateway), JSON.stringify(this.deps.status('online')), { qos: 1, retain: true });
    } catch (err) {
      this.stats.lastError = (err as Error).message;
      this.deps.log.error({ err: (err as Error).message }, 'uplink setup failed; reconnecting');
      client.end(true);
      return;
    }
    this.restartFromCursor();
    void this.pump();
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return;
    if (this.stats.state === 'online') this.deps.log.warn('uplink lost');
    // A broker drops the connection over a packet larger than it takes. When the connection went
    // down with a large batch unacked, the next connection sends batches half that size, so a
    // batch refused for size is split rather than sent whole again and again.
    // Only batches sent just before the close count: a broker refuses as soon as it reads the
    // header, while a link that drops at some random moment says nothing about size.
    const recent = this.inflight.filter((b) => !b.acked && this.now() - b.sentAt < 2000);
    const largest = Math.max(0, ...recent.map((b) => b.bytes));
    if (largest > MIN_BATCH_BYTES && this.stats.brokerMaxPacketBytes === null) {
      this.refusedBytes = Math.min(this.refusedBytes, largest);
      const cap = Math.max(MIN_BATCH_BYTES, Math.floor(largest / 2));
      if (cap < this.sizeCap) {
        this.sizeCap = cap;
        this.deps.log.warn({ unackedBytes: largest, maxBatchBytes: cap }, 'uplink closed with a large batch unacked; sending smaller batches');
      }
    }
    this.stats.maxBatchBytes = this.batchBudget();
    this.stats.state = this.stopped ? 'stopped' : 'offline';
    this.stats.connectedSince = null;
    this.client = null;
    client.removeAllListeners('connect');
    client.removeAllListeners('message');
    client.end(true);
    if (this.stopped) return;
    const { minMs, maxMs } = this.deps.backoff ?? { minMs: 500, maxMs: 30_000 };
    const base = Math.min(maxMs, minMs * 2 ** this.attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    this.stats.reconnects++;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private restartFromCursor(): void {
    const resent = this.inflight.length;
    if (resent) this.stats.resends += resent;
    this.inflight.length = 0;
    this.stats.inFlight = 0;
    this.sentUpTo = this.deps.journal.stats().ackedSeq;
    this.epoch++;
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === topics.limits(this.config.site, this.config.gateway)) {
      const l = parsePayload('limits', payload);
      if (!l.ok) {
        this.deps.log.warn({ error: l.error }, 'limits refused');
        return;
      }
      this.stats.brokerMaxPacketBytes = l.value.max_packet_bytes;
      this.stats.maxBatchBytes = this.batchBudget();
      if (this.cfg.batch.maxBytes > this.stats.maxBatchBytes) {
        this.deps.log.warn({ configured: this.cfg.batch.maxBytes, brokerMaxPacketBytes: l.value.max_packet_bytes, using: this.stats.maxBatchBytes },
          'uplink.batch.maxBytes is above what the broker takes; sending smaller batches');
      }
      return;
    }
    if (topic !== topics.ack(this.config.site, this.config.gateway)) return;
    const r = parsePayload('ack', payload);
    if (!r.ok) {
      this.deps.log.warn({ error: r.error }, 'ack refused');
      return;
    }
    const ack = r.value;
    const batch = this.inflight.find((b) => b.lastSeq === ack.seq);
    if (!batch) return; // an ack for a batch of an earlier connection, already resent
    batch.acked = true;
    this.stats.batchesAcked++;
    // Batches of this size pass: let the cap grow back towards the configured size.
    if (this.sizeCap !== Infinity && batch.bytes >= this.sizeCap / 2) {
      this.sizeCap = Math.floor(Math.min(this.sizeCap * 1.25, this.cfg.batch.maxBytes, this.refusedBytes * 0.9));
      this.stats.maxBatchBytes = this.batchBudget();
    }
    this.stats.lastAckAt = this.now();
    if (ack.status === 'quarantined') {
      this.stats.quarantinedAcks++;
      this.deps.log.warn({ seq: ack.seq, reason: ack.reason, quarantined: ack.quarantined }, 'ingestor quarantined readings');
    }
    let upTo = -1;
    while (this.inflight[0]?.acked) {
      const done = this.inflight.shift()!;
      this.stats.readingsAcked += done.lastSeq - done.firstSeq + 1;
      upTo = done.lastSeq;
    }
    if (upTo >= 0) this.deps.journal.ack(upTo);
    this.stats.inFlight = this.inflight.length;
    void this.pump();
  }

  /** Sends while the window has room; waits for new records otherwise. One pump at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.client && this.stats.state === 'online' && !this.stopped) {
        const oldest = this.inflight[0];
        if (oldest && this.now() - oldest.sentAt > this.cfg.ackTimeoutMs) {
          this.deps.log.warn({ seq: oldest.lastSeq }, 'ack timed out; resending from the cursor');
          this.restartFromCursor();
        }
        if (this.inflight.length >= this.cfg.window) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const epoch = this.epoch;
        const client = this.client;
        const budget = this.batchBudget();
        const records = await this.deps.journal.read(this.sentUpTo, this.cfg.batch.maxReadings, budget);
        // A reconnect or ack timeout while reading moved the cursor back: sending these records now
        // would put a batch after a gap, and its ack would release the gap from the journal unsent.
        // The connection may also have closed (or been replaced) while the read waited.
        if (epoch !== this.epoch || client !== this.client || this.stats.state !== 'online') continue;
        if (records.length === 0) {
          await this.deps.journal.waitForRecords(this.sentUpTo, 200);
          continue;
        }
        // Live data: hold a short partial batch until it is maxAgeMs old, so a second of readings
        // travels as one batch; a backlog fills whole batches and goes at once.
        const first = records[0]!;
        const age = this.now() - first.reading.ts;
        if (records.length < this.cfg.batch.maxReadings && age < this.cfg.batch.maxAgeMs && this.inflight.length > 0) {
          await new Promise((r) => setTimeout(r, Math.min(this.cfg.batch.maxAgeMs - age, 200)));
          continue;
        }
        // The journal counts reading bytes only; the envelope and separators come on top. Cut the
        // batch until the whole payload fits, so it is never larger than the broker takes.
        let batch: Batch = {
          v: WIRE_VERSION, site: this.config.site, gateway: this.config.gateway, seq: records.at(-1)!.seq, sent: this.now(),
          readings: records.map((r) => r.reading),
        };
        let payload = JSON.stringify(batch);
        let count = records.length;
        while (Buffer.byteLength(payload) > budget && count > 1) {
          count = Math.max(1, Math.floor(count * (budget / Buffer.byteLength(payload)) * 0.95));
          batch = { ...batch, seq: records[count - 1]!.seq, readings: batch.readings.slice(0, count) };
          payload = JSON.stringify(batch);
          this.stats.splits++;
        }
        const last = records[count - 1]!;
        const bytes = Buffer.byteLength(payload);
        this.inflight.push({ firstSeq: first.seq, lastSeq: last.seq, sentAt: this.now(), acked: false, bytes });
        this.stats.inFlight = this.inflight.length;
        this.sentUpTo = last.seq;
        this.stats.batchesSent++;
        // Not awaited: the PUBACK only says the broker has it; the ingestor's ack is what counts.
        client!.publish(topics.batch(this.config.site, this.config.gateway), payload, { qos: 1 }, (err) => {
          if (err) this.deps.log.debug({ err: err.message, seq: last.seq }, 'batch publish failed');
        });
        // Let polling and acks run between batches during a replay.
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.stats.lastError = (err as Error).message;
      this.deps.log.error({ err }, 'uplink pump failed');
    } finally {
      this.pumping = false;
    }
  }

  publishStatus(): void {
    if (this.client && this.stats.state === 'online') {
      this.client.publish(topics.status(this.config.site, this.config.gateway), JSON.stringify(this.deps.status('online')), { qos: 1, retain: true });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    const client = this.client;
    if (client) {
      if (client.connected) {
        await client.publishAsync(topics.status(this.config.site, this.config.gateway), JSON.stringify(this.deps.status('offline')), { qos: 1, retain: true }).catch(() => undefined);
      }
      await client.endAsync().catch(() => undefined);
    }
    this.stats.state = 'stopped';
  }
}
