import net from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../core/index.ts';
import { READING_MEASUREMENT } from '../../ingestor/store/points.ts';
import { startTestIngestor, tempDir, waitFor, type TestIngestor } from '../support/harness.ts';
import { connectGateway, reading, type GatewayClient } from '../support/mqtt-gateway.ts';
import { selfSignedCert } from '../support/tls.ts';

const MAX_PACKET = 64 * 1024;
const MAX_CONNECTIONS = 6;

interface Attempt { client: MqttClient; connected: boolean; code: number | null; closed: Promise<void> }

/** Connects once (no reconnect) and reports how the broker answered. */
async function attempt(url: string, opts: IClientOptions): Promise<Attempt> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ client, connected: true, code: null, closed }));
    client.once('error', (err) => resolve({ client, connected: false, code: (err as { code?: number }).code ?? null, closed }));
    void closed.then(() => resolve({ client, connected: false, code: null, closed }));
  });
}

describe('embedded broker: authentication, ACL, limits', () => {
  let ing: TestIngestor;
  let good: GatewayClient;
  let seq = 0;
  let streaming: NodeJS.Timeout;
  const start = Date.now() - 60_000;
  const others: MqttClient[] = [];
  const as = (gateway: string, extra: IClientOptions = {}) => attempt(ing.mqttUrl, {
    username: gateway, password: ing.passwords[gateway], clientId: `${gateway}-${Math.random().toString(16).slice(2, 8)}`, ...extra,
  });

  beforeAll(async () => {
    ing = await startTestIngestor({
      gateways: [['site-a', 'gw-1'], ['site-a', 'gw-2'], ['site-b', 'gw-3']],
      config: { mqtt: { host: '127.0.0.1', port: 0, maxPacketBytes: MAX_PACKET, maxConnections: MAX_CONNECTIONS } },
    });
    // The well-behaved gateway streams all through the file; the last test checks it lost nothing.
    good = await connectGateway({ url: ing.mqttUrl, site: 'site-a', gateway: 'gw-1', password: ing.passwords['gw-1'] });
    await good.publishManifest(['m1']);
    await waitFor(() => ing.ingestor.directory.meter('site-a', 'm1'), { what: 'manifest' });
    streaming = setInterval(() => {
      seq++;
      void good.publishBatch(seq, [reading('m1', start + seq * 10, seq)]).catch(() => undefined);
    }, 40);
  });

  afterAll(async () => {
    clearInterval(streaming);
    for (const c of others) c.end(true);
    await good?.close();
    await ing?.close();
  });

  const storedAt = async (ts: number) => {
    const [series] = await ing.ingestor.influx.query(`SELECT count(energy_import_kwh) FROM ${READING_MEASUREMENT} WHERE time = ${ts}ms`);
    return series?.[0]?.values[0]?.[1] ?? 0;
  };

  it('refuses a wrong password, an unknown user and no credentials (CONNACK 0x04)', async () => {
    for (const opts of [{ username: 'gw-2', password: 'not-it' }, { username: 'intruder', password: 'pw-gw-1' }, {}]) {
      const a = await attempt(ing.mqttUrl, opts);
      others.push(a.client);
      expect(a.connected, JSON.stringify(opts)).toBe(false);
      expect(a.code).toBe(4);
    }
    expect(ing.ingestor.broker!.counters.refusedConnects).toBeGreaterThanOrEqual(3);
  });

  it('disconnects a gateway publishing another gateway\'s batch, another site\'s or an ack (MQTT 3.1.1 §3.3.5)', async () => {
    const forgedTs = Date.now() - 30_000;
    const forged = JSON.stringify({ v: 1, site: 'site-a', gateway: 'gw-1', seq: 999_999, sent: Date.now(), readings: [reading('m1', forgedTs, 1)] });
    const ack = JSON.stringify({ v: 1, seq: 999_999, status: 'ok', stored: 1, quarantined: 0 });
    const cases: [string, string, string][] = [
      ['gw-2', topics.batch('site-a', 'gw-1'), forged],
      ['gw-3', topics.batch('site-a', 'gw-3'), forged],
      ['gw-2', topics.ack('site-a', 'gw-1'), ack],
      ['gw-2', topics.ack('site-a', 'gw-2'), ack],
    ];
    const refusedBefore = ing.ingestor.broker!.counters.refusedPublishes;
    for (const [gateway, topic, payload] of cases) {
      const a = await as(gateway);
      others.push(a.client);
      expect(a.connected).toBe(true);
      a.client.publish(topic, payload, { qos: 1 }, () => undefined);
      await a.closed;
      expect(a.client.connected, topic).toBe(false);
    }
    expect(ing.ingestor.broker!.counters.refusedPublishes - refusedBefore).toBe(cases.length);
    // Nothing of it went through: no forged ack reached gw-1, the forged reading was not stored.
    await waitFor(() => (good.acked.size >= seq - 2 ? true : undefined), { what: 'acks after the forgeries' });
    expect(good.acked.has(999_999)).toBe(false);
    expect(await storedAt(forgedTs)).toBe(0);
  });

  it('answers 0x80 to a subscription outside the gateway\'s own ack topic (§3.9.3), and keeps the connection', async () => {
    const a = await as('gw-2');
    others.push(a.client);
    // mqtt.js rejects a SUBACK that carries 0x80 and hands the packet over with the error.
    const err = await a.client.subscribeAsync(['zm/v1/#', topics.ack('site-a', 'gw-1'), topics.batch('site-a', 'gw-2'), topics.ack('site-a', 'gw-2')], { qos: 1 })
      .then(() => null, (e: { packet?: { granted: number[] } }) => e);
    expect(err?.packet?.granted).toEqual([128, 128, 128, 1]);
    expect(ing.ingestor.broker!.counters.refusedSubscribes).toBe(3);
    expect(a.client.connected).toBe(true);
    a.client.end(true);
  });

  it('closes a connection whose packet header announces more than maxPacketBytes', async () => {
    const before = ing.ingestor.broker!.counters.oversizePackets;
    const a = await as('gw-2');
    others.push(a.client);
    a.client.publish(topics.batch('site-a', 'gw-2'), Buffer.alloc(MAX_PACKET + 1, 0x20), { qos: 1 }, () => undefined);
    await a.closed;
    // A raw socket that announces 256 MB in its first header, before any CONNECT: closed on the
    // header alone, long before aedes' own connect timeout.
    const raw = net.connect(ing.ingestor.broker!.port, '127.0.0.1');
    await new Promise((r) => raw.once('connect', r));
    raw.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    await new Promise((r) => raw.once('close', r));
    expect(ing.ingestor.broker!.counters.oversizePackets - before).toBe(2);
    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^zm_mqtt_refused_total\\{action="oversize_packet"\\} ${before + 2}$`, 'm'));
  });

  it('refuses connections over the limit', async () => {
    await waitFor(() => (ing.ingestor.broker!.openConnections() === 1 ? true : undefined), { what: 'only the good gateway connected' });
    const held: Attempt[] = [];
    for (let i = 1; i < MAX_CONNECTIONS; i++) held.push(await as('gw-2'));
    others.push(...held.map((h) => h.client));
    expect(held.every((h) => h.connected)).toBe(true);
    const extra = await as('gw-2');
    others.push(extra.client);
    expect(extra.connected).toBe(false);
    expect(ing.ingestor.broker!.counters.refusedOverLimit).toBe(1);
    for (const h of held) h.client.end(true);
    await waitFor(() => (ing.ingestor.broker!.openConnections() === 1 ? true : undefined), { what: 'held connections closed' });
    const after = await as('gw-2');
    others.push(after.client);
    expect(after.connected).toBe(true);
  });

  it('kept storing and acking the well-behaved gateway all along', async () => {
    clearInterval(streaming);
    const last = seq;
    expect(last).toBeGreaterThan(10);
    await waitFor(() => (good.acked.size === last ? true : undefined), { what: `${last} acks` });
    for (let s = 1; s <= last; s++) expect(good.acked.get(s)?.status, `seq ${s}`).toBe('ok');
    const [series] = await ing.ingestor.influx.query(`SELECT count(energy_import_kwh) FROM ${READING_MEASUREMENT} WHERE meter = 'm1'`);
    expect(series?.[0]?.values[0]?.[1]).toBe(last);
  });
});

describe('embedded broker: TLS and WebSocket listeners', () => {
  let ing: TestIngestor;
  const tmp = tempDir('zm-tls-');
  const cert = selfSignedCert(tmp.dir);
  const clients: GatewayClient[] = [];

  beforeAll(async () => {
    ing = await startTestIngestor({
      gateways: [['site-a', 'gw-1']],
      config: { mqtt: { host: '127.0.0.1', port: 0, tls: { cert: cert.certFile, key: cert.keyFile, port: 0 }, websocket: { port: 0 } } },
    });
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await ing?.close();
    tmp.remove();
  });

  async function roundTrip(url: string, extra: IClientOptions, seq: number): Promise<void> {
    const gw = await connectGateway({ url, site: 'site-a', gateway: 'gw-1', password: ing.passwords['gw-1'], mqtt: extra });
    clients.push(gw);
    await gw.publishManifest(['m1']);
    await gw.publishBatch(seq, [reading('m1', Date.now() - seq * 1000, seq)]);
    const ack = await waitFor(() => gw.acked.get(seq), { what: `ack ${seq}` });
    expect(ack).toMatchObject({ status: 'ok', stored: 1 });
  }

  it('serves MQTT over TLS with the configured certificate', async () => {
    await roundTrip(`mqtts://127.0.0.1:${ing.ingestor.broker!.tlsPort}`, { ca: cert.cert, rejectUnauthorized: true }, 1);
  });

  it('fails the handshake for a client that does not trust the certificate', async () => {
    const a = await attempt(`mqtts://127.0.0.1:${ing.ingestor.broker!.tlsPort}`, { username: 'gw-1', password: ing.passwords['gw-1'], rejectUnauthorized: true });
    a.client.end(true);
    expect(a.connected).toBe(false);
  });

  it('serves MQTT over WebSocket', async () => {
    await roundTrip(`ws://127.0.0.1:${ing.ingestor.broker!.wsPort}`, {}, 2);
  });
});
