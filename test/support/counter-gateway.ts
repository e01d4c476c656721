import mqtt, { type MqttClient } from 'mqtt';
import { WIRE_VERSION, topics, type Ack, type Manifest, type MeasurementKey, type Reading } from '../../core/index.ts';

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

const HOUR_MS = 3_600_000;

/** Local midnights of every day of `year` and of the next year's first day (UTC+8 unless told). */
export function localDays(year: number, utcOffsetHours = 8): number[] {
  const out: number[] = [];
  for (let t = Date.UTC(year, 0, 1); t <= Date.UTC(year + 1, 0, 1); t += 24 * HOUR_MS) out.push(t - utcOffsetHours * HOUR_MS);
  return out;
}

/** Local starts of the twelve months of `year` and of the next year's January (UTC+8 unless told). */
export function localMonthStarts(year: number, utcOffsetHours = 8): number[] {
  return Array.from({ length: 13 }, (_, m) => Date.UTC(year, m, 1) - utcOffsetHours * HOUR_MS);
}

export interface CounterSpec {
  meter: string;
  measurement: MeasurementKey;
  /** Counter value at the first time. */
  start: number;
  /** What the counter gains between times[i] and times[i + 1]. */
  usage: (i: number) => number;
}

/** One reading per counter at each of `times` (ascending), counters advancing by their usage. */
export function counterReadings(times: readonly number[], counters: readonly CounterSpec[]): Reading[] {
  const value = counters.map((c) => c.start);
  return times.flatMap((ts, i) => counters.map((c, k) => {
    const r: Reading = { meter: c.meter, ts, values: { [c.measurement]: value[k]! } };
    value[k]! += c.usage(i);
    return r;
  }));
}
