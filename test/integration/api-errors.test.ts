import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { ZmError, parseConfig } from '../../core/index.ts';
import { build, type Ingestor } from '../../ingestor/app.ts';
import { IngestorConfigSchema } from '../../ingestor/config.ts';
import { tempDir } from '../support/harness.ts';

// Every answer of the API has the {code, message} shape, whatever refused the request: a route,
// node's HTTP parser, or a store that is not there.
describe('API errors', () => {
  const tmp = tempDir('zm-api-errors-');
  let ing: Ingestor;
  let url: string;

  beforeAll(async () => {
    const dash = path.join(tmp.dir, 'dash');
    mkdirSync(path.join(dash, 'assets'), { recursive: true });
    writeFileSync(path.join(dash, 'index.html'), '<!doctype html>');
    writeFileSync(path.join(dash, 'assets', 'app.js'), 'console.log(1)');
    // InfluxDB on a port where nothing listens: unreachable from the start.
    const config = parseConfig(IngestorConfigSchema, {
      http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 },
      influx: { url: `http://127.0.0.1:${await freePort()}`, database: 'nowhere' },
      dataDir: path.join(tmp.dir, 'data'),
    }, 'api errors test');
    ing = await build(config, { log: pino({ level: 'silent' }), dashboardDir: dash });
    url = await ing.listen();
  });

  afterAll(async () => {
    await ing?.close();
    tmp.remove();
  });

  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as { code: string; message: string } });

  it('answers 503 ERR_STORE_UNAVAILABLE, not 500, while InfluxDB is unreachable', async () => {
    const r = await json(await fetch(`${url}/api/v1/meters/main-elec/latest`));
    expect(r).toEqual({ status: 503, body: { code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining('unavailable') } });
  });

  it('serves regular files only from /assets: the folder itself is a 404, not a 500', async () => {
    expect((await fetch(`${url}/assets/app.js`)).status).toBe(200);
    // Sent as written: fetch would normalise the dots away before they reach the server.
    const raw = (p: string) => new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: Number(new URL(url).port), path: p }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      }).on('error', reject);
    });
    for (const p of ['/assets/.', '/assets/..', '/assets/%2e%2e', '/assets/nope.js']) {
      const r = await raw(p);
      expect(r.status, p).toBe(404);
      expect(r.body, p).toMatchObject({ code: 'ERR_NOT_FOUND' });
    }
  });

  it('answers a 100 KB URL with 431 in the {code, message} shape', async () => {
    const res = await fetch(`${url}/api/v1/meters?site=${'a'.repeat(100_000)}`);
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({ code: 'ERR_HEADERS_TOO_LARGE', message: 'the request line or headers are too large' });
  });

  it('names the config field when a listener\'s port is in use', async () => {
    const busy = Number(new URL(url).port);
    const config = parseConfig(IngestorConfigSchema, {
      http: { host: '127.0.0.1', port: busy }, mqtt: { host: '127.0.0.1', port: 0 },
      influx: { url: 'http://127.0.0.1:1', database: 'nowhere' }, dataDir: path.join(tmp.dir, 'data2'),
    }, 'second');
    const second = await build(config, { log: pino({ level: 'silent' }) });
    try {
      await expect(second.listen()).rejects.toThrow(new ZmError('ERR_CONFIG_INVALID', `http.port: 127.0.0.1:${busy} is in use by another process`));
    } finally {
      await second.close();
    }
    const mqttBusy = parseConfig(IngestorConfigSchema, {
      http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: ing.broker!.port },
      influx: { url: 'http://127.0.0.1:1', database: 'nowhere' }, dataDir: path.join(tmp.dir, 'data3'),
    }, 'third');
    await expect(build(mqttBusy, { log: pino({ level: 'silent' }) })).rejects.toThrow(`mqtt.port: 127.0.0.1:${ing.broker!.port} is in use by another process`);
  });
});
