import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackfill } from '../../simulators/backfill/index.ts';
import { parseSite, type Site } from '../../simulators/building/schema.ts';
import { parseTruth } from '../../simulators/building/truth.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

const SITE = {
  site: 'sim-site', gateway: 'gw-1', seed: 7, origin: '2026-01-01',
  endpoints: [{ id: 'tcp-1', type: 'tcp', port: 0 }],
  buildings: [{ id: 'hq', meters: [
    { id: 'main', model: 'SDM630', endpoint: 'tcp-1', unitId: 1, zone: 'administrative', endUse: 'total', losses: 0.02 },
    { id: 'light', model: 'DTSU666', endpoint: 'tcp-1', unitId: 2, parent: 'main', zone: 'administrative', endUse: 'lighting_sockets', profile: 'lighting', scale: 40, initial: 1000 },
    { id: 'canteen', model: 'SDM630', endpoint: 'tcp-1', unitId: 3, parent: 'main', zone: 'logistics', endUse: 'special', facility: 'canteen', profile: 'canteen', scale: 30, initial: 500 },
    { id: 'water', model: 'XT-WM485', endpoint: 'tcp-1', unitId: 4, zone: 'administrative', endUse: 'total', profile: 'water', scale: 1.2 },
    { id: 'heat', model: 'Supercal-531', endpoint: 'tcp-1', unitId: 5, zone: 'administrative', endUse: 'total', profile: 'heating', scale: 5 },
  ] }],
  replacements: [{ meter: 'light', at: '2026-01-03T12:00:00+08:00', newFirst: 3 }],
};

async function influxQuery(url: string, db: string, q: string): Promise<Array<[string, ...number[]]>> {
  const res = await fetch(`${url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ values: Array<[string, ...number[]]> }> }> };
  return body.results[0]?.series?.[0]?.values ?? [];
}

describe('building backfill through the ingestor', () => {
  let ing: TestIngestor;
  const tmp = tempDir('zm-backfill-');
  let site: Site;

  beforeAll(async () => {
    site = parseSite(SITE, 'test site');
    ing = await startTestIngestor({ gateways: [['sim-site', 'gw-1']] });
  });
  afterAll(async () => {
    await ing?.close();
    tmp.remove();
  });

  it('stores exactly the counters the truth file holds, with a consistent hierarchy', async () => {
    const truthFile = path.join(tmp.dir, 'truth.jsonl');
    const from = Date.parse('2026-01-02T00:00:00+08:00');
    const to = Date.parse('2026-01-05T00:00:00+08:00');
    const seen: number[] = [];
    const result = await runBackfill({
      site, from, to, truthFile, batchReadings: 700,
      ingestor: { url: ing.mqttUrl, username: 'gw-1', password: ing.passwords['gw-1'] },
      onProgress: (p) => seen.push(p.readings),
    });
    expect(result.done).toBe(true);
    const truth = parseTruth(readFileSync(truthFile, 'utf8'));
    // 3 days of 15-minute steps, both ends included, five meters.
    expect(truth).toHaveLength((3 * 96 + 1) * 5);
    expect(result.readings).toBe(truth.length);
    expect(seen.at(-1)).toBe(truth.length);

    const db = ing.config.influx.database;
    const influx = ing.config.influx.url;
    for (const meter of ['main', 'light', 'canteen', 'water', 'heat']) {
      const rows = truth.filter((r) => r.meter === meter);
      const field = rows[0]!.measurement;
      const stored = await influxQuery(influx, db, `SELECT "${field}" FROM "reading" WHERE "meter" = '${meter}' ORDER BY time`);
      expect(stored.map(([ts, v]) => [Number(ts), v]), meter).toEqual(rows.map((r) => [r.ts, r.counter]));
    }

    const at = new Map(truth.map((r) => [`${r.meter}@${r.ts}`, r]));
    for (const r of truth.filter((x) => x.meter === 'main')) {
      const subs = at.get(`light@${r.ts}`)!.usage + at.get(`canteen@${r.ts}`)!.usage;
      expect(r.usage).toBeCloseTo(subs * 1.02, 2);
    }
    // The replaced meter restarted at 3, and no interval went negative across the swap.
    const light = truth.filter((r) => r.meter === 'light');
    expect(light.every((r) => r.usage >= 0)).toBe(true);
    expect(light.at(-1)!.counter).toBeLessThan(1000);
    expect(light[0]!.counter).toBeGreaterThan(1000);
  });

  it('produces the same truth from the same seed, and another from another seed', async () => {
    const run = async (s: Site, name: string) => {
      const file = path.join(tmp.dir, name);
      await runBackfill({ site: s, from: Date.parse('2026-01-10T00:00:00+08:00'), to: Date.parse('2026-01-11T00:00:00+08:00'), truthFile: file });
      return readFileSync(file, 'utf8');
    };
    const a = await run(site, 'a.csv');
    expect(await run(site, 'b.csv')).toBe(a);
    expect(await run(parseSite({ ...SITE, seed: 8 }, 'other seed'), 'c.csv')).not.toBe(a);
    expect(a.split('\n')[0]).toBe('meter,ts,time,measurement,counter,usage');
  });
});
