import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Aedes } from 'aedes';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMqtt } from '../../../../gateway/drivers/mqtt-connect.ts';
import { selfSignedCert } from '../../../support/tls.ts';
import { broker } from '../uplink/helpers.ts';

const REPO = path.resolve(import.meta.dirname, '../../../..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Connects and resolves with the client once CONNACK came, or rejects with the first error. */
function connected(client: MqttClient): Promise<MqttClient> {
  cleanups.push(() => new Promise<void>((r) => client.end(true, {}, () => r())));
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

async function tlsBroker(): Promise<{ port: number; cert: Buffer; users: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zm-mqtt-tls-'));
  const { certFile, keyFile, cert } = selfSignedCert(dir);
  const aedes = await Aedes.createBroker();
  const users: string[] = [];
  aedes.authenticate = (client, username, _password, done) => { users.push(`${client.id}:${username ?? ''}`); done(null, true); };
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    aedes.handle(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => aedes.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });
  return { port: (server.address() as net.AddressInfo).port, cert, users };
}

describe('connectMqtt', () => {
  it('connects over TCP with credentials and client id from the URL, options winning over the URL', async () => {
    const b = await broker();
    cleanups.push(() => b.close());
    const seen: string[] = [];
    b.aedes.authenticate = (client, username, password, done) => { seen.push(`${client.id} ${username} ${password?.toString()}`); done(null, true); };
    await connected(connectMqtt(`mqtt://us%40er:p%3Ass@127.0.0.1:${b.port}?clientId=from-url`, { reconnectPeriod: 0 }));
    await connected(connectMqtt(`mqtt://us:pw@localhost:${b.port}`, { clientId: 'gw-9', username: 'gw-9', password: 'secret', reconnectPeriod: 0 }));
    expect(seen).toEqual(['from-url us@er p:ss', 'gw-9 gw-9 secret']);
  });

  it('publishes and receives through the stream it built', async () => {
    const b = await broker();
    cleanups.push(() => b.close());
    const c = await connected(connectMqtt(b.url, { clientId: 'echo', reconnectPeriod: 0 }));
    const got = new Promise<string>((r) => c.on('message', (_t, p) => r(p.toString())));
    await c.subscribeAsync('zm/t', { qos: 1 });
    await c.publishAsync('zm/t', 'hello', { qos: 1 });
    expect(await got).toBe('hello');
  });

  it('over TLS: trusts the given CA, refuses an unknown certificate, and takes it when told not to check', async () => {
    const t = await tlsBroker();
    await connected(connectMqtt(`mqtts://127.0.0.1:${t.port}`, { clientId: 'with-ca', ca: t.cert, reconnectPeriod: 0 }));
    await expect(connected(connectMqtt(`mqtts://127.0.0.1:${t.port}`, { clientId: 'no-ca', reconnectPeriod: 0 }))).rejects.toThrow(/self[- ]signed/i);
    await connected(connectMqtt(`mqtts://127.0.0.1:${t.port}`, { clientId: 'unchecked', rejectUnauthorized: false, reconnectPeriod: 0 }));
    expect(t.users.map((u) => u.split(':')[0])).toEqual(['with-ca', 'unchecked']);
  });

  it('does not load the WebSocket or SOCKS transports for mqtt:// (mqtt.connect does)', async () => {
    const b = await broker();
    cleanups.push(() => b.close());
    // A fresh process, since this one may have loaded them for other tests; run asynchronously,
    // the broker it connects to lives in this one.
    const probe = async (how: 'own' | 'mqtt.js') => (await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      import { createRequire } from 'node:module';
      import mqtt from 'mqtt';
      import { connectMqtt } from './gateway/drivers/mqtt-connect.ts';
      const c = ${how === 'own' ? 'connectMqtt' : 'mqtt.connect'}(${JSON.stringify(b.url)}, { reconnectPeriod: 0 });
      c.on('connect', () => {
        const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /node_modules\\/(ws|socks)\\//.test(f));
        console.log(JSON.stringify(loaded.length));
        c.end(true, {}, () => process.exit(0));
      });
    `], { cwd: REPO, encoding: 'utf8', timeout: 20_000 })).stdout.trim();
    expect(Number(await probe('own'))).toBe(0);
    expect(Number(await probe('mqtt.js'))).toBeGreaterThan(0);
  });
});
