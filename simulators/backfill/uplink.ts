import mqtt, { type MqttClient } from 'mqtt';
import { WIRE_VERSION, parsePayload, topics, type Ack, type Manifest, type Reading } from '../../core/index.ts';

export interface UplinkOptions {
  url: string;
  username?: string;
  password?: string;
  site: string;
  gateway: string;
  /** Batches published and not yet acknowledged. */
  window?: number;
  ackTimeoutMs?: number;
}

/**
 * Publishes batches the way a gateway does: retained manifest first, then QoS 1 batches, each kept
 * until the ingestor acks its sequence number, with a bounded number in flight.
 */
export class BatchUplink {
  private client!: MqttClient;
  // Far above any sequence a live gateway reaches, so acks meant for one never settle the other
  // when both publish as the same gateway.
  private seq = Date.now() * 1000;
  private readonly waiting = new Map<number, { resolve: (a: Ack) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly inFlight = new Set<Promise<Ack>>();

  constructor(private readonly opts: UplinkOptions) {}

  async connect(): Promise<void> {
    const { site, gateway } = this.opts;
    this.client = await mqtt.connectAsync(this.opts.url, {
      clientId: `${gateway}-backfill-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      username: this.opts.username, password: this.opts.password, protocolVersion: 4, reconnectPeriod: 1000,
    });
    this.client.on('message', (_topic, payload) => {
      const r = parsePayload('ack', payload);
      if (!r.ok) return;
      const w = this.waiting.get(r.value.seq);
      if (!w) return;
      clearTimeout(w.timer);
      this.waiting.delete(r.value.seq);
      w.resolve(r.value);
    });
    await this.client.subscribeAsync(topics.ack(site, gateway), { qos: 1 });
  }

  async manifest(m: Manifest): Promise<void> {
    await this.client.publishAsync(topics.manifest(this.opts.site, this.opts.gateway), JSON.stringify(m), { qos: 1, retain: true });
  }

  /** Resolves once the batch is in the window; `drain()` waits for every ack. */
  async send(readings: Reading[]): Promise<void> {
    while (this.inFlight.size >= (this.opts.window ?? 4)) await Promise.race(this.inFlight);
    const seq = ++this.seq;
    const { site, gateway } = this.opts;
    const acked = new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        reject(new Error(`no ack for batch ${seq} within ${this.opts.ackTimeoutMs ?? 60_000} ms`));
      }, this.opts.ackTimeoutMs ?? 60_000);
      this.waiting.set(seq, { resolve, reject, timer });
    });
    const tracked = acked.then((a) => {
      if (a.status !== 'ok') throw new Error(`batch ${seq} quarantined: ${a.reason ?? 'no reason given'}`);
      return a;
    }).finally(() => this.inFlight.delete(tracked));
    // A failure surfaces from drain() or the next send, not as an unhandled rejection.
    tracked.catch(() => {});
    this.inFlight.add(tracked);
    const batch = { v: WIRE_VERSION, site, gateway, seq, sent: Date.now(), readings };
    await this.client.publishAsync(topics.batch(site, gateway), JSON.stringify(batch), { qos: 1 });
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  async close(): Promise<void> {
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('uplink closed'));
    }
    this.waiting.clear();
    await this.client?.endAsync();
  }
}
