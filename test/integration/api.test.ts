import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type Manifest } from '../../core/index.ts';
import { startTestIngestor, waitFor, type TestIngestor } from '../support/harness.ts';
import { connectGateway, meterSpec, reading, type GatewayClient } from '../support/mqtt-gateway.ts';

const TOKEN = 'operator-token-0123456789';

describe('HTTP API', () => {
  let ing: TestIngestor;
  let open: TestIngestor;
  let gw: GatewayClient;
  const readingTs = Date.now() - 5 * 60_000;

  beforeAll(async () => {
    ing = await startTestIngestor({ gateways: [['site-a', 'gw-1'], ['site-a', 'gw-2']], config: { http: { host: '127.0.0.1', port: 0, token: TOKEN } } });
    open = await startTestIngestor({ gateways: [['site-a', 'gw-1']] });
    gw = await connectGateway({ url: ing.mqttUrl, site: 'site-a', gateway: 'gw-1', password: ing.passwords['gw-1'] });
    await gw.publishManifest([{ ...meterSpec('m1', 'library'), zone: 'business', end_use: 'air_conditioning', facility: 'central_ac' }]);
    await gw.client.publishAsync(topics.status('site-a', 'gw-1'), JSON.stringify({ v: 1, site: 'site-a', gateway: 'gw-1', ts: Date.now(), state: 'online' }), { qos: 1, retain: true });
    await waitFor(() => ing.ingestor.directory.meter('site-a', 'm1'), { what: 'manifest' });
    await gw.publishBatch(1, [{ ...reading('m1', readingTs, 1234.5, { power_kw: 12.5 }), quality: { voltage_l1_v: 'read_error' } }]);
    await waitFor(() => gw.acked.get(1), { what: 'ack' });
  });

  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    await open?.close();
  });

  const get = async (path: string, base = ing.url) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const postManifest = (base: string, site: string, gateway: string, body: unknown, auth?: string) =>
    fetch(`${base}/api/v1/gateways/${site}/${gateway}/manifest`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
    });
  const manifest = (gateway: string, meters: string[]): Manifest => ({ v: 1, site: 'site-a', gateway, ts: Date.now(), meters: meters.map((m) => meterSpec(m, 'annex')), replacements: [] });

  it('creates its database with year-long shards, so a year of rollups is one shard per series', async () => {
    const { url, database } = ing.config.influx;
    const res = await fetch(`${url}/query?q=${encodeURIComponent(`SHOW RETENTION POLICIES ON "${database}"`)}`);
    const body = await res.json() as { results: { series: { columns: string[]; values: unknown[][] }[] }[] };
    const { columns, values } = body.results[0]!.series[0]!;
    const autogen = values.find((v) => v[0] === 'autogen')!;
    expect(autogen[columns.indexOf('shardGroupDuration')]).toBe('8736h0m0s'); // 52 weeks
  });

  it('GET /healthz reports InfluxDB up and the usage derivation', async () => {
    await ing.ingestor.usage.idle();
    expect(await get('/healthz')).toEqual({
      status: 200,
      body: { status: 'ok', influx: 'up', pending_points: 0, usage: { status: 'ok', failing_meters: 0, pending_meters: 0, backlog_readings: 0, lag_seconds: 0 } },
    });
  });

  it('GET /api/v1/gateways: online, last batch and lag', async () => {
    const { body } = await get('/api/v1/gateways');
    const g = (body.gateways as Record<string, unknown>[]).find((x) => x.gateway === 'gw-1')!;
    expect(g).toMatchObject({ site: 'site-a', online: true, last_seq: 1, batches: 1, readings: 1, meters: 1 });
    expect(g.last_batch_at).toBeGreaterThan(readingTs);
    // The batch carried a reading five minutes old: that is how far behind the gateway was.
    expect(g.lag_ms).toBeGreaterThanOrEqual(5 * 60_000);
    expect(g.lag_ms).toBeLessThan(6 * 60_000);
    expect((await get('/api/v1/gateways?site=site-b')).body.gateways).toEqual([]);
  });

  it('GET /api/v1/meters: zone, end use, last reading and its quality', async () => {
    const { body } = await get('/api/v1/meters?site=site-a');
    expect(body.meters).toEqual([expect.objectContaining({
      id: 'm1', building: 'library', gateway: 'gw-1', zone: 'business', end_use: 'air_conditioning', facility: 'central_ac',
      last_reading: expect.objectContaining({ ts: readingTs, values: { energy_import_kwh: 1234.5, power_kw: 12.5 }, quality: { voltage_l1_v: 'read_error' } }),
    })]);
    const latest = await get('/api/v1/meters/m1/latest');
    expect(latest.body).toMatchObject({ meter: 'm1', ts: readingTs, zone: 'business', values: { energy_import_kwh: 1234.5, power_kw: 12.5 } });
    expect(await get('/api/v1/meters/nope/latest')).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
    expect(await get('/api/v1/meters?site=no%20spaces')).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST', message: expect.stringContaining('site') } });
  });

  it('POST a manifest: 401 without or with a wrong token, 200 with the right one', async () => {
    const m = manifest('gw-2', ['op-1']);
    const none = await postManifest(ing.url, 'site-a', 'gw-2', m);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    for (const auth of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const wrong = await postManifest(ing.url, 'site-a', 'gw-2', m, auth);
      expect(wrong.status, auth).toBe(401);
      expect(await wrong.json()).toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    }
    expect(ing.ingestor.directory.meter('site-a', 'op-1')).toBeUndefined();
    const ok = await postManifest(ing.url, 'site-a', 'gw-2', m, `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ site: 'site-a', gateway: 'gw-2', meters: 1, new_replacements: 0 });
    expect(ing.ingestor.directory.meter('site-a', 'op-1')).toMatchObject({ building: 'annex', gateway: 'gw-2' });
  });

  it('a batch from the gateway whose manifest the operator uploaded is stored', async () => {
    const gw2 = await connectGateway({ url: ing.mqttUrl, site: 'site-a', gateway: 'gw-2', password: ing.passwords['gw-2'] });
    try {
      await gw2.publishBatch(1, [reading('op-1', Date.now() - 1000, 7)]);
      expect(await waitFor(() => gw2.acked.get(1))).toMatchObject({ status: 'ok', stored: 1 });
    } finally {
      await gw2.close();
    }
  });

  it('POST a manifest: 400 naming the field for a bad body or a path that names another gateway', async () => {
    const auth = `Bearer ${TOKEN}`;
    const bad = await postManifest(ing.url, 'site-a', 'gw-2', { ...manifest('gw-2', ['x']), meters: [{ id: 'x', kind: 'steam' }] }, auth);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'ERR_BAD_REQUEST', message: expect.stringContaining('meters[0].kind') });
    const other = await postManifest(ing.url, 'site-a', 'gw-1', manifest('gw-2', ['x']), auth);
    expect(other.status).toBe(400);
  });

  it('POST a manifest with no token configured: 403, saying why', async () => {
    const res = await postManifest(open.url, 'site-a', 'gw-1', manifest('gw-1', ['x']), `Bearer ${TOKEN}`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ code: 'ERR_FORBIDDEN', message: expect.stringContaining('ZM_API_TOKEN') });
    expect(open.ingestor.directory.meter('site-a', 'x')).toBeUndefined();
  });

  it('GET /api/v1/openapi.json documents every registered route, with schemas from zod', async () => {
    const { status, body } = await get('/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const paths = body.paths as Record<string, Record<string, { parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]; security?: unknown; requestBody?: unknown }>>;
    expect(ing.ingestor.routes.map((r) => r.url)).toEqual(expect.arrayContaining(['/healthz', '/api/v1/quarantine', '/api/v1/gateways/:site/:gateway/manifest']));
    for (const r of ing.ingestor.routes) {
      if (r.url.startsWith('/assets') || r.url === '/') continue;
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      expect(paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.url}`).toBeDefined();
    }
    for (const p of ['/api/v1/usage', '/api/v1/sites', '/api/v1/sites/{site}/indicators', '/api/v1/sites/{site}/coverage']) expect(paths[p]?.get, p).toBeDefined();
    const limit = paths['/api/v1/quarantine']!.get!.parameters.find((p) => p.name === 'limit')!;
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } });
    const post = paths['/api/v1/gateways/{site}/{gateway}/manifest']!.post!;
    expect(post.security).toEqual([{ bearer: [] }]);
    expect(post.parameters.map((p) => [p.name, p.in, p.required])).toEqual([['site', 'path', true], ['gateway', 'path', true]]);
    expect(JSON.stringify(post.requestBody)).toContain('"end_use"');
  });

  it('answers an unknown route with {code, message}', async () => {
    expect(await get('/api/v1/nothing-here')).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND', message: expect.any(String) } });
  });
});
