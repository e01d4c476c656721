import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../cli/ports.ts';
import { parseConfig } from '../../../core/index.ts';
import { build, type Ingestor } from '../../../ingestor/app.ts';
import { IngestorConfigSchema } from '../../../ingestor/config.ts';
import { tempDir } from '../../support/harness.ts';

/** Whether a listener could take the port now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

// build() assembles; start()/listen() open. A stand-in for InfluxDB records what reaches it.
describe('ingestor build() has no side effects', () => {
  const tmp = tempDir('zm-ingestor-build-');
  const influxRequests: string[] = [];
  let influx: http.Server;
  let influxUrl: string;
  let ing: Ingestor | undefined;

  beforeAll(async () => {
    influx = http.createServer((req, res) => {
      influxRequests.push(`${req.method} ${decodeURIComponent((req.url ?? '').replaceAll('+', ' '))}`);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"results":[{"statement_id":0}]}'));
    });
    await new Promise<void>((r) => influx.listen(0, '127.0.0.1', () => r()));
    influxUrl = `http://127.0.0.1:${(influx.address() as net.AddressInfo).port}`;
  });

  afterEach(async () => {
    await ing?.close();
    ing = undefined;
    influxRequests.length = 0;
  });

  afterAll(async () => {
    await new Promise((r) => influx.close(r));
    tmp.remove();
  });

  const config = async (name: string, over: { mqttPort?: number; httpPort?: number } = {}) => parseConfig(IngestorConfigSchema, {
    http: { host: '127.0.0.1', port: over.httpPort ?? await freePort() },
    mqtt: { host: '127.0.0.1', port: over.mqttPort ?? await freePort() },
    influx: { url: influxUrl, database: 'zm_build_test' },
    dataDir: path.join(tmp.dir, name),
  }, 'build test');

  it('leaves the MQTT and HTTP ports free and InfluxDB untouched until listen()', async () => {
    const cfg = await config('ports');
    ing = await build(cfg, { log: pino({ level: 'silent' }) });
    expect(ing.broker).toBeNull();
    expect(await bindable(cfg.mqtt.port)).toBe(true);
    expect(await bindable(cfg.http.port)).toBe(true);
    expect(influxRequests).toEqual([]);
    // Routes answer through inject without any of it.
    expect((await ing.http.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode).toBe(200);
    expect(await bindable(cfg.http.port)).toBe(true);

    const url = await ing.listen();
    expect(url).toBe(`http://127.0.0.1:${cfg.http.port}`);
    expect(ing.broker?.port).toBe(cfg.mqtt.port);
    expect(await bindable(cfg.mqtt.port)).toBe(false);
    expect(await bindable(cfg.http.port)).toBe(false);
    expect(influxRequests).toEqual([expect.stringContaining('CREATE DATABASE "zm_build_test"')]);

    await ing.close();
    ing = undefined;
    expect(await bindable(cfg.mqtt.port)).toBe(true);
    expect(await bindable(cfg.http.port)).toBe(true);
  });

  it('closes safely when never started, and when start() failed half-way', async () => {
    const never = await build(await config('never'), { log: pino({ level: 'silent' }) });
    await never.close();
    await never.close();

    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const cfg = await config('busy', { mqttPort: port });
      ing = await build(cfg, { log: pino({ level: 'silent' }) });
      await expect(ing.listen()).rejects.toThrow(`mqtt.port: 127.0.0.1:${port} is in use by another process`);
      await ing.close();
      ing = undefined;
      expect(await bindable(cfg.http.port)).toBe(true);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it('start() runs once however often it is called', async () => {
    const cfg = await config('once');
    ing = await build(cfg, { log: pino({ level: 'silent' }) });
    await Promise.all([ing.start(), ing.start()]);
    await ing.listen();
    expect(influxRequests.filter((r) => r.includes('CREATE DATABASE'))).toHaveLength(1);
    expect(ing.broker?.port).toBe(cfg.mqtt.port);
  });
});
