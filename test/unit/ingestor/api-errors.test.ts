import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../cli/ports.ts';
import { ZmError, parseConfig, type Manifest } from '../../../core/index.ts';
import { build, type Ingestor } from '../../../ingestor/app.ts';
import { IngestorConfigSchema } from '../../../ingestor/config.ts';
import { tempDir } from '../../support/harness.ts';
import { meterSpec } from '../../support/mqtt-gateway.ts';

const TOKEN = 'operator-token-0123456789';

// Every answer of the API has the {code, message} shape, whatever refused the request: a route,
// node's HTTP parser, or a store that is not there. Built, never started: no broker, no database.
describe('API errors', () => {
  const tmp = tempDir('zm-api-errors-');
  let ing: Ingestor;
  let open: Ingestor;

  const config = async (name: string, over: Record<string, unknown> = {}) => parseConfig(IngestorConfigSchema, {
    http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 },
    // InfluxDB on a port where nothing listens: unreachable from the start.
    influx: { url: `http://127.0.0.1:${await freePort()}`, database: 'nowhere' },
    dataDir: path.join(tmp.dir, name),
    ...over,
  }, 'api errors test');

  beforeAll(async () => {
    const dash = path.join(tmp.dir, 'dash');
    mkdirSync(path.join(dash, 'assets'), { recursive: true });
    writeFileSync(path.join(dash, 'index.html'), '<!doctype html>');
    writeFileSync(path.join(dash, 'assets', 'app.js'), 'console.log(1)');
    ing = await build(await config('data', { http: { host: '127.0.0.1', port: 0, token: TOKEN } }), { log: pino({ level: 'silent' }), dashboardDir: dash });
    open = await build(await config('open'), { log: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    await ing?.close();
    await open?.close();
    tmp.remove();
  });

  const inject = async (target: Ingestor, url: string, opts: { method?: 'GET' | 'POST'; body?: unknown; auth?: string } = {}) => {
    const res = await target.http.inject({
      method: opts.method ?? 'GET', url,
      ...(opts.body === undefined ? {} : { payload: JSON.stringify(opts.body), headers: { 'content-type': 'application/json', ...(opts.auth ? { authorization: opts.auth } : {}) } }),
    });
    return { status: res.statusCode, headers: res.headers, body: res.json<{ code: string; message: string }>() };
  };
  const manifest = (gateway: string, meters: string[]): Manifest => ({ v: 1, site: 'site-a', gateway, ts: Date.now(), meters: meters.map((m) => meterSpec(m, 'annex')), replacements: [] });
  const postManifest = (target: Ingestor, gateway: string, body: unknown, auth?: string) =>
    inject(target, `/api/v1/gateways/site-a/${gateway}/manifest`, { method: 'POST', body, ...(auth ? { auth } : {}) });

  it('answers 503 ERR_STORE_UNAVAILABLE, not 500, while InfluxDB is unreachable', async () => {
    const r = await inject(ing, '/api/v1/meters/main-elec/latest');
    expect({ status: r.status, body: r.body }).toEqual({ status: 503, body: { code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining('unavailable') } });
    expect(r.headers['retry-after']).toBe('5');
  });

  it('answers an unknown route with {code, message}', async () => {
    expect(await inject(ing, '/api/v1/nothing-here')).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND', message: expect.any(String) } });
  });

  it('answers a bad query or path with 400 naming the field', async () => {
    expect(await inject(ing, '/api/v1/meters?site=no%20spaces')).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST', message: expect.stringContaining('site') } });
    expect(await inject(ing, '/api/v1/quarantine?limit=0')).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST', message: expect.stringContaining('limit') } });
    expect(await inject(ing, '/api/v1/usage?site=a&from=x&to=1')).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST', message: expect.stringContaining('from') } });
    expect(await inject(ing, '/api/v1/platforms?x=1')).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST' } });
  });

  it('answers the registry routes with 404 when no registry is configured', async () => {
    for (const url of ['/api/v1/sites', '/api/v1/sites/demo/indicators', '/api/v1/sites/demo/coverage', '/api/v1/sites/demo/reports/annual?year=2024']) {
      expect(await inject(ing, url), url).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND', message: expect.stringContaining('registry') } });
    }
  });

  it('POST a manifest: 401 without or with a wrong token, and nothing changes', async () => {
    const m = manifest('gw-2', ['op-1']);
    const none = await postManifest(ing, 'gw-2', m);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.body).toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    for (const auth of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const wrong = await postManifest(ing, 'gw-2', m, auth);
      expect(wrong.status, auth).toBe(401);
      expect(wrong.body).toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    }
    expect(ing.directory.meter('site-a', 'op-1')).toBeUndefined();
  });

  it('POST a manifest: 400 naming the field for a bad body or a path that names another gateway', async () => {
    const auth = `Bearer ${TOKEN}`;
    const bad = await postManifest(ing, 'gw-2', { ...manifest('gw-2', ['x']), meters: [{ id: 'x', kind: 'steam' }] }, auth);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'ERR_BAD_REQUEST', message: expect.stringContaining('meters[0].kind') });
    const other = await postManifest(ing, 'gw-1', manifest('gw-2', ['x']), auth);
    expect(other.status).toBe(400);
    expect(ing.directory.meter('site-a', 'x')).toBeUndefined();
  });

  it('POST a manifest with no token configured: 403, saying why', async () => {
    const res = await postManifest(open, 'gw-1', manifest('gw-1', ['x']), `Bearer ${TOKEN}`);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ code: 'ERR_FORBIDDEN', message: expect.stringContaining('ZM_API_TOKEN') });
    expect(open.directory.meter('site-a', 'x')).toBeUndefined();
  });

  describe('on a listening HTTP server (node parses these before fastify sees them)', () => {
    let port: number;
    beforeAll(async () => {
      // HTTP alone: what is tested here is the parser and the file handler, not MQTT or InfluxDB.
      await ing.http.listen({ host: '127.0.0.1', port: 0 });
      port = (ing.http.server.address() as AddressInfo).port;
    });

    it('serves regular files only from /assets: the folder itself is a 404, not a 500', async () => {
      expect((await fetch(`http://127.0.0.1:${port}/assets/app.js`)).status).toBe(200);
      // Sent as written: fetch (and inject) would normalise the dots away before they reach the server.
      const raw = (p: string) => new Promise<{ status: number; body: unknown }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: p }, (res) => {
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
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/meters?site=${'a'.repeat(100_000)}`);
      expect(res.status).toBe(431);
      expect(await res.json()).toEqual({ code: 'ERR_HEADERS_TOO_LARGE', message: 'the request line or headers are too large' });
    });

    it('names the config field when a listener\'s port is in use', async () => {
      const second = await build(await config('data2', { http: { host: '127.0.0.1', port } }), { log: pino({ level: 'silent' }) });
      try {
        await expect(second.listen()).rejects.toThrow(new ZmError('ERR_CONFIG_INVALID', `http.port: 127.0.0.1:${port} is in use by another process`));
      } finally {
        await second.close();
      }
      const third = await build(await config('data3', { mqtt: { host: '127.0.0.1', port } }), { log: pino({ level: 'silent' }) });
      try {
        await expect(third.listen()).rejects.toThrow(`mqtt.port: 127.0.0.1:${port} is in use by another process`);
      } finally {
        await third.close();
      }
    });
  });
});
