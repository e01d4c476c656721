import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type Manifest } from '../../core/index.ts';
import { startTestIngestor, waitFor, type TestIngestor } from '../support/harness.ts';
import { connectGateway, meterSpec, reading, type GatewayClient } from '../support/mqtt-gateway.ts';

const TOKEN = 'operator-token-0123456789';

describe('HTTP API', () => {
  let ing: TestIngestor;
  let gw: GatewayClient;
  const readingTs = Date.now() - 5 * 60_000;

  beforeAll(async () => {
    ing = await startTestIngestor({ gateways: [['site-a', 'gw-1'], ['site-a', 'gw-2']], config: { http: { host: '127.0.0.1', port: 0, token: TOKEN } } });
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

  // The refusals (401, 403, 400) are checked on a built, unstarted ingestor: test/unit/ingestor/api-errors.test.ts.
  it('POST a manifest with the right token: 200, and the directory knows its meters', async () => {
    const m = manifest('gw-2', ['op-1']);
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
});
