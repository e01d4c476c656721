import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { AckSchema, WIRE_VERSION, topics, type Ack, type Manifest, type Reading } from '../../core/index.ts';

/**
 * A gateway as the ingestor sees it, in a plain mqtt.js client: it publishes a manifest and
 * batches (QoS 1), collects acks, and — like the real uplink — resends a batch whose ack has not
 * come within `resendAfterMs`, so tests can prove at-least-once delivery end to end.
 */
export interface GatewayClient {
  readonly client: MqttClient;
  readonly site: string;
  readonly gateway: string;
  /** Every ack received, in order (a resent batch may be acked more than once). */
  readonly acks: Ack[];
  /** The first ack of every seq. */
  readonly acked: Map<number, Ack>;
  readonly stats: { published: number; resent: number };
  publishManifest(meters: string[] | Manifest['meters'], building?: string): Promise<void>;
  publishBatch(seq: number, readings: Reading[]): Promise<void>;
  /** Raw publish on any topic (for ACL tests). */
  publishRaw(topic: string, payload: string | Buffer): Promise<void>;
  close(): Promise<void>;
}

export interface GatewayClientOptions {
  url: string;
  site: string;
  gateway: string;
  password?: string;
  protocolVersion?: 4 | 5;
  resendAfterMs?: number;
  mqtt?: IClientOptions;
}

export function meterSpec(id: string, building = 'main-hall'): Manifest['meters'][number] {
  return { id, building, kind: 'electricity', model: 'SDM630', zone: 'administrative', end_use: 'lighting_sockets', role: 'sub', multiplier: 1 };
}

export function reading(meter: string, ts: number, kwh: number, extra: Record<string, number> = {}): Reading {
  return { meter, ts, values: { energy_import_kwh: kwh, ...extra } };
}

export async function connectGateway(opts: GatewayClientOptions): Promise<GatewayClient> {
  const { site, gateway } = opts;
  const client = mqtt.connect(opts.url, {
    protocolVersion: opts.protocolVersion ?? 4,
    clientId: `${gateway}-${Math.random().toString(16).slice(2, 8)}`,
    username: gateway,
    password: opts.password,
    reconnectPeriod: 200,
    connectTimeout: 5000,
    ...opts.mqtt,
  });
  const acks: Ack[] = [];
  const acked = new Map<number, Ack>();
  const unacked = new Map<number, { payload: string; sentAt: number }>();
  const stats = { published: 0, resent: 0 };
  client.on('message', (topic, payload) => {
    if (topic !== topics.ack(site, gateway)) return;
    const ack = AckSchema.parse(JSON.parse(payload.toString('utf8')));
    acks.push(ack);
    if (!acked.has(ack.seq)) acked.set(ack.seq, ack);
    unacked.delete(ack.seq);
  });
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topics.ack(site, gateway), { qos: 1 });

  const resender = opts.resendAfterMs
    ? setInterval(() => {
      const now = Date.now();
      for (const b of unacked.values()) {
        if (now - b.sentAt < opts.resendAfterMs!) continue;
        b.sentAt = now;
        stats.resent++;
        client.publish(topics.batch(site, gateway), b.payload, { qos: 1 }, () => undefined);
      }
    }, Math.max(50, Math.floor(opts.resendAfterMs / 4)))
    : null;

  return {
    client, site, gateway, acks, acked, stats,
    async publishManifest(meters, building) {
      const manifest: Manifest = {
        v: WIRE_VERSION, site, gateway, ts: Date.now(),
        meters: meters.map((m) => (typeof m === 'string' ? meterSpec(m, building) : m)),
        replacements: [],
      };
      await client.publishAsync(topics.manifest(site, gateway), JSON.stringify(manifest), { qos: 1, retain: true });
    },
    async publishBatch(seq, readings) {
      const payload = JSON.stringify({ v: WIRE_VERSION, site, gateway, seq, sent: Date.now(), readings });
      unacked.set(seq, { payload, sentAt: Date.now() });
      stats.published++;
      await client.publishAsync(topics.batch(site, gateway), payload, { qos: 1 });
    },
    async publishRaw(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    async close() {
      if (resender) clearInterval(resender);
      await client.endAsync(true);
    },
  };
}
