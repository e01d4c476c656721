import mqtt, { type MqttClient } from 'mqtt';
import { WIRE_VERSION, topics, type Ack, type Manifest, type Reading } from '../../core/index.ts';

/**
 * A gateway reduced to what usage tests need: publish a manifest, publish a batch and wait for its
 * ack, so the ingestor has stored (and queued for usage) everything sent before the call returns.
 */
export interface CounterGateway {
  manifest(meters: Manifest['meters'], replacements?: Manifest['replacements']): Promise<void>;
  send(readings: Reading[]): Promise<Ack>;
  close(): Promise<void>;
}

export async function connectCounterGateway(url: string, site: string, gateway: string, password: string): Promise<CounterGateway> {
  const client: MqttClient = await mqtt.connectAsync(url, { username: gateway, password, clientId: `${gateway}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0 });
  const waiting = new Map<number, (ack: Ack) => void>();
  client.on('message', (_t, payload) => {
    const ack = JSON.parse(payload.toString('utf8')) as Ack;
    waiting.get(ack.seq)?.(ack);
    waiting.delete(ack.seq);
  });
  await client.subscribeAsync(topics.ack(site, gateway), { qos: 1 });
  let seq = 0;
  return {
    async manifest(meters, replacements = []) {
      const m: Manifest = { v: WIRE_VERSION, site, gateway, ts: Date.now(), meters, replacements };
      await client.publishAsync(topics.manifest(site, gateway), JSON.stringify(m), { qos: 1, retain: true });
    },
    async send(readings) {
      const n = ++seq;
      const acked = new Promise<Ack>((resolve, reject) => {
        waiting.set(n, resolve);
        setTimeout(() => reject(new Error(`no ack for batch ${n}`)), 10_000).unref();
      });
      await client.publishAsync(topics.batch(site, gateway), JSON.stringify({ v: WIRE_VERSION, site, gateway, seq: n, sent: Date.now(), readings }), { qos: 1 });
      return acked;
    },
    async close() {
      await client.endAsync();
    },
  };
}
