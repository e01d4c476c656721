import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort } from '../../cli/ports.ts';
import { API, LiveReadingSchema, type ApiRouteName } from '../../core/api.ts';
import type { Manifest } from '../../core/index.ts';
import { connectCounterGateway, counterReadings, localDays, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

// Every route's real answer, from a running ingestor with a registry, a year of usage, a quarantined
// batch, a conflict and a platform it cannot reach, parsed with the schema the route is built from
// (core/api.ts). The schemas are strict: a key the ingestor sends and the contract does not name
// fails here, as does one it names and the ingestor no longer sends.
const REGISTRY = `
institutions:
  - id: bureau
    name: Test bureau
    type: office
    sites:
      - id: campus
        climateZone: cold
        buildings:
          - id: a
            area: [{ from: '2019-01-01', m2: 10000 }]
            headcount: [{ year: 2020, persons: 500 }, { year: 2024, persons: 520 }]
            zones: [{ zone: administrative, m2: 6000 }, { zone: business }]
            facilities: [canteen]
            supplies: [electricity, water]
`;
const TOKEN = 'contract-token-0123456789';

type Spec = Manifest['meters'][number];
const spec = (id: string, kind: Spec['kind'], extra: Partial<Spec> = {}): Spec => ({
  id, building: 'a', kind, model: 'generic', zone: 'administrative', end_use: 'total', role: 'sub', multiplier: 1, ...extra,
});
const METERS = [
  spec('a-main', 'electricity', { role: 'main' }),
  spec('a-sub', 'electricity', { parent: 'a-main', zone: 'business', end_use: 'lighting_sockets' }),
  spec('a-water', 'water', { role: 'main' }),
  spec('stray', 'electricity', { building: 'ghost' }),
];

describe('every answer of the API matches its schema in core/api.ts', () => {
  const tmp = tempDir('zm-contract-');
  const exercised = new Set<ApiRouteName>();
  let ing: TestIngestor;
  let gw: CounterGateway;

  beforeAll(async () => {
    const registry = path.join(tmp.dir, 'registry.yaml');
    writeFileSync(registry, REGISTRY);
    ing = await startTestIngestor({
      gateways: [['campus', 'gw-1'], ['campus', 'gw-2']],
      config: {
        registry, http: { host: '127.0.0.1', port: 0, token: TOKEN },
        platforms: [{
          id: 'province', host: '127.0.0.1', port: await freePort(), key: '000102030405060708090a0b0c0d0e0f', iv: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
          secret: 'contract', retry: { minMs: 100, maxMs: 200 }, buildings: [{ site: 'campus', building: 'a', buildingId: '330100A001', gatewayId: '01' }],
        }],
      },
    });
    gw = await connectCounterGateway(ing.mqttUrl, 'campus', 'gw-1', ing.passwords['gw-1']!);
    await gw.manifest(METERS);
    const readings = counterReadings(localDays(2024), [
      { meter: 'a-main', measurement: 'energy_import_kwh', start: 1000, usage: () => 900 },
      { meter: 'a-sub', measurement: 'energy_import_kwh', start: 50, usage: () => 300 },
      { meter: 'a-water', measurement: 'volume_m3', start: 10, usage: () => 20 },
    ]);
    expect((await gw.send(readings)).status).toBe('ok');
    const last = readings.at(-1)!.ts;
    expect((await gw.send([{ meter: 'nobody', ts: last, values: { energy_import_kwh: 1 } }])).status).toBe('quarantined');
    await ing.ingestor.usage.idle();
  });

  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    tmp.remove();
  });

  /** Calls a route, expects `status`, parses the JSON body with the route's schema. */
  async function call<K extends ApiRouteName>(name: K, url: string, init: RequestInit = {}, status = 200): Promise<unknown> {
    exercised.add(name);
    const res = await fetch(`${ing.url}${url}`, init);
    const body: unknown = await res.json();
    expect(res.status, `${url}: ${JSON.stringify(body).slice(0, 300)}`).toBe(status);
    const schema = (API[name] as { response?: z.ZodType }).response!;
    const parsed = schema.safeParse(body);
    expect(parsed.success ? null : z.prettifyError(parsed.error), url).toBeNull();
    return body;
  }

  it('health, gateways, meters, latest reading and quarantine', async () => {
    await call('health', '/healthz');
    await call('openapi', '/api/v1/openapi.json');
    const gws = await call('gateways', '/api/v1/gateways') as { gateways: unknown[] };
    expect(gws.gateways.length).toBeGreaterThan(0);
    const meters = await call('meters', '/api/v1/meters?site=campus') as { meters: { last_reading: unknown }[] };
    expect(meters.meters.some((m) => m.last_reading !== null)).toBe(true);
    await call('latest', '/api/v1/meters/a-main/latest?site=campus');
    const q = await call('quarantine', '/api/v1/quarantine') as { entries: unknown[] };
    expect(q.entries.length).toBeGreaterThan(0);
  });

  it('the write routes: a manifest upload and a re-homing', async () => {
    const manifest: Manifest = { v: 1, site: 'campus', gateway: 'gw-2', ts: Date.now(), meters: [spec('op-1', 'electricity')], replacements: [] };
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` };
    await call('manifest', '/api/v1/gateways/campus/gw-2/manifest', { method: 'POST', headers, body: JSON.stringify(manifest) });
    const moved = await call('meterOwner', '/api/v1/sites/campus/meters/op-1/owner', { method: 'PUT', headers, body: JSON.stringify({ gateway: 'gw-1' }) });
    expect(moved).toMatchObject({ previous: 'gw-2' });
  });

  it('usage, sites, conflicts, indicators and coverage', async () => {
    for (const by of ['kind', 'zone', 'end_use', 'meter']) {
      const u = await call('usage', `/api/v1/usage?site=campus&from=2024-03-01T00:00:00%2B08:00&to=2024-04-01T00:00:00%2B08:00&interval=1d&by=${by}`) as { series: unknown[] };
      expect(u.series.length, by).toBeGreaterThan(0);
    }
    await call('sites', '/api/v1/sites');
    const c = await call('conflicts', '/api/v1/sites/campus/conflicts') as { conflicts: unknown[] };
    expect(c.conflicts.length).toBeGreaterThan(0);
    const r = await call('indicators', '/api/v1/sites/campus/indicators?year=2024') as { total: { indicators: { kgce_per_m2: { value: number | null } } } };
    expect(r.total.indicators.kgce_per_m2.value).toBeGreaterThan(0);
    await call('indicators', '/api/v1/sites/campus/indicators?year=2025&ytd=true&through=2');
    await call('coverage', '/api/v1/sites/campus/coverage?year=2024');
  });

  it('the annual and monthly reports, as JSON and as CSV', async () => {
    await call('annualReport', '/api/v1/sites/campus/reports/annual?year=2024');
    const monthly = await call('monthlyReport', '/api/v1/sites/campus/reports/monthly?year=2024') as { rows: unknown[] };
    expect(monthly.rows.length).toBeGreaterThan(0);
    for (const kind of ['annual', 'monthly']) {
      const res = await fetch(`${ing.url}/api/v1/sites/campus/reports/${kind}?year=2024&format=csv`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    }
  });

  it('platforms, with a platform that cannot be reached', async () => {
    const p = await call('platforms', '/api/v1/platforms') as { platforms: { buildings: unknown[] }[] };
    expect(p.platforms[0]?.buildings).toHaveLength(1);
  });

  it('alerts: the list and an acknowledgement', async () => {
    // The 2024 readings are long past: every meter is stale now.
    await ing.ingestor.alerts.evaluate(Date.now(), { usage: true });
    const list = await call('alerts', '/api/v1/alerts?site=campus&state=firing&rule=stale') as { alerts: { id: number }[] };
    expect(list.alerts.length).toBeGreaterThan(0);
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` };
    await call('alertAck', `/api/v1/alerts/${list.alerts[0]!.id}/ack`, { method: 'POST', headers, body: JSON.stringify({ note: 'meter checked', by: 'ops' }) });
  });

  it('the non-JSON answers: Prometheus text and the live stream\'s events', async () => {
    exercised.add('metrics');
    const metrics = await fetch(`${ing.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('zm_');

    exercised.add('live');
    const abort = new AbortController();
    const res = await fetch(`${ing.url}/api/v1/live?site=campus`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const [, event, data] = /^event: (\w+)\ndata: (.*)\n\n/.exec(text)!;
    expect(event).toBe('snapshot');
    const snapshot = z.array(LiveReadingSchema).parse(JSON.parse(data!));
    expect(snapshot.length).toBeGreaterThan(0);
  });

  it('left no route of the table out', () => {
    expect(Object.keys(API).filter((k) => !exercised.has(k as ApiRouteName))).toEqual([]);
  });
});
