import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WIRE_VERSION, topics, type Status } from '../../../../core/index.ts';
import { buildManifest } from '../../../../gateway/uplink/manifest.ts';
import { UplinkConnection } from '../../../../gateway/uplink/connection.ts';
import { emptyStats } from '../../../../gateway/uplink/stats.ts';
import { broker, until, uplinkConfig } from './helpers.ts';

const log = pino({ enabled: false });
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function connection(url: string) {
  const config = uplinkConfig(url);
  const stats = emptyStats(config.uplink.batch.maxBytes);
  const events: string[] = [];
  const messages: [string, string][] = [];
  const status = (state: 'online' | 'offline'): Status => ({ v: WIRE_VERSION, site: config.site, gateway: config.gateway, ts: Date.now(), state, alarms: [] });
  const c = new UplinkConnection(config, {
    log, stats, status, now: Date.now, manifest: () => buildManifest(config, Date.now()), backoff: { minMs: 20, maxMs: 50 },
    onOnline: () => events.push(`online:${stats.state}`),
    onMessage: (topic, payload) => messages.push([topic, payload.toString()]),
    onLost: () => events.push(`lost:${stats.state}`),
  });
  cleanup.push(() => c.stop());
  return { c, config, stats, events, messages };
}

/** Retained messages under the gateway's topics, as a fresh subscriber sees them. */
async function retained(url: string, topic: string): Promise<Record<string, unknown>> {
  const sub = await mqtt.connectAsync(url, { clientId: `probe-${Math.random()}` });
  try {
    const got = new Promise<Record<string, unknown>>((resolve) => sub.on('message', (_t, p) => resolve(JSON.parse(p.toString()) as Record<string, unknown>)));
    await sub.subscribeAsync(topic, { qos: 1 });
    return await got;
  } finally {
    await sub.endAsync();
  }
}

describe('UplinkConnection (real aedes)', () => {
  it('connects as the gateway, publishes manifest and status retained, then hands over; acks and limits reach onMessage', async () => {
    const b = await broker();
    cleanup.push(() => b.close());
    const clients: string[] = [];
    b.aedes.on('client', (c) => clients.push(c.id));
    const { c, config, stats, events, messages } = connection(b.url);
    c.start();
    await until(() => events.includes('online:online'), 'the connection to be set up');
    expect(clients).toEqual(['gw-u']);
    expect(stats.connectedSince).toBeTypeOf('number');
    expect(c.client).not.toBeNull();
    expect(await retained(b.url, topics.manifest(config.site, config.gateway))).toMatchObject({ site: 'site-u', gateway: 'gw-u' });
    expect(await retained(b.url, topics.status(config.site, config.gateway))).toMatchObject({ state: 'online' });
    const pub = await mqtt.connectAsync(b.url, { clientId: 'ingestor-probe' });
    cleanup.push(() => pub.endAsync());
    await pub.publishAsync(topics.ack(config.site, config.gateway), '{"a":1}', { qos: 1 });
    await pub.publishAsync(topics.limits(config.site, config.gateway), '{"l":1}', { qos: 1 });
    await until(() => messages.length === 2, 'both messages');
    expect(messages.map(([t]) => t)).toEqual([topics.ack(config.site, config.gateway), topics.limits(config.site, config.gateway)]);
  });

  it('reconnects with backoff when the broker goes away and comes back on the same port', async () => {
    const b = await broker();
    const { c, stats, events } = connection(b.url);
    c.start();
    await until(() => events.includes('online:online'), 'the first connection');
    await b.close();
    // onLost runs while the lost connection's state is still known.
    await until(() => events.includes('lost:online'), 'the loss');
    expect(c.client).toBeNull();
    await until(() => stats.reconnects >= 2 && stats.state !== 'online', 'attempts while the broker is down');
    const again = await broker(b.port);
    cleanup.push(() => again.close());
    await until(() => stats.state === 'online' && events.filter((e) => e === 'online:online').length === 2, 'the reconnect', 10_000);
  });

  it('stop() leaves the retained status offline and does not reconnect', async () => {
    const b = await broker();
    cleanup.push(() => b.close());
    const { c, config, stats, events } = connection(b.url);
    c.start();
    await until(() => events.includes('online:online'), 'the connection');
    await c.stop();
    expect(stats.state).toBe('stopped');
    expect(await retained(b.url, topics.status(config.site, config.gateway))).toMatchObject({ state: 'offline' });
    await new Promise((r) => setTimeout(r, 150));
    expect(stats.reconnects).toBe(0);
    expect(c.client).toBeNull();
  });
});
