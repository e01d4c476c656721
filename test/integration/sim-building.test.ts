import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Aedes } from 'aedes';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/index.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { createPoller } from '../../gateway/poll/index.ts';
import { freePort } from '../../cli/ports.ts';
import { gatewayConfigFor } from '../../simulators/building/gateway-config.ts';
import { startBuilding } from '../../simulators/building/index.ts';
import { runBackfill } from '../../simulators/backfill/index.ts';
import { parseSite, type Site } from '../../simulators/building/schema.ts';
import { parseTruth } from '../../simulators/building/truth.ts';
import { startTestIngestor, tempDir, waitFor, type TestIngestor } from '../support/harness.ts';

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

describe('a building with MQTT (Tasmota) meters', () => {
  it('publishes through a real aedes broker what the gateway\'s MQTT driver reads, faults included', async () => {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const url = `mqtt://127.0.0.1:${port}`;
    const site = parseSite({
      site: 'mq-site', gateway: 'gw-mq', seed: 5, origin: '2026-01-01',
      endpoints: [{ id: 'plugs', type: 'mqtt', url, periodS: 0.2 }],
      buildings: [{ id: 'hall', meters: [
        { id: 'hall-main', model: 'Tasmota', kind: 'electricity', endpoint: 'plugs', zone: 'administrative', endUse: 'total', losses: 0.05 },
        { id: 'hall-a', model: 'Tasmota', kind: 'electricity', endpoint: 'plugs', parent: 'hall-main', zone: 'administrative', endUse: 'lighting_sockets', profile: 'base', scale: 3, initial: 100 },
        { id: 'hall-b', model: 'Tasmota', kind: 'electricity', endpoint: 'plugs', parent: 'hall-main', zone: 'logistics', endUse: 'special', facility: 'canteen', profile: 'base', scale: 2, initial: 50 },
      ] }],
    }, 'mqtt site');
    // Frozen, so one telegram round carries the three meters at one instant.
    const building = await startBuilding(site, { clock: { start: Date.parse('2026-01-05T10:00:00+08:00'), frozen: true } });
    const readings: Reading[] = [];
    const poller = createPoller(GatewayConfigSchema.parse(gatewayConfigFor(site, { endpoints: building.endpoints })), { log: pino({ level: 'silent' }), onReading: (r) => readings.push(r) });
    try {
      await poller.start();
      const latest = (id: string) => readings.filter((r) => r.meter === id).at(-1)?.values.energy_import_kwh;
      await waitFor(() => (['hall-main', 'hall-a', 'hall-b'].every((id) => latest(id) !== undefined) ? true : undefined), { what: 'a telegram from every meter' });
      const [main, a, b] = [latest('hall-main')!, latest('hall-a')!, latest('hall-b')!];
      expect(a).toBeCloseTo(building.meter('hall-a').state().energy_import_kwh!, 3);
      expect(a).toBeGreaterThan(100);
      // Tasmota sends kWh with three decimals.
      expect(Math.abs(main - (a + b) * 1.05)).toBeLessThan(0.0011 * 3);

      // No answer from one meter: its telegrams stop, the others' go on.
      await building.fault('hall-a', { kind: 'silent' });
      await new Promise((r) => setTimeout(r, 300));
      const count = (id: string) => readings.filter((r) => r.meter === id).length;
      const [na, nb] = [count('hall-a'), count('hall-b')];
      await new Promise((r) => setTimeout(r, 1000));
      expect(count('hall-a')).toBe(na);
      expect(count('hall-b')).toBeGreaterThanOrEqual(nb + 3);
      // Garbage instead of JSON reaches the driver, which reports no reading for it.
      await building.fault('hall-a', { kind: 'garbage', length: 12 });
      await new Promise((r) => setTimeout(r, 600));
      expect(count('hall-a')).toBe(na);

      // A replacement shows as the new meter's first value; a dropped link stops everything until it is back.
      await building.fault('hall-a', null);
      await building.fault('hall-b', { kind: 'replace', newFirst: 2 });
      await waitFor(() => (latest('hall-b') === 2 ? true : undefined), { what: 'the replaced meter' });
      await building.fault('hall-main', { kind: 'link_drop' });
      const all = readings.length;
      await new Promise((r) => setTimeout(r, 800));
      expect(readings.length).toBe(all);
      await building.fault('hall-main', null);
      await waitFor(() => (readings.length > all + 3 ? true : undefined), { what: 'telegrams after the link is back' });
    } finally {
      await poller.stop();
      await building.close();
      await new Promise<void>((r) => broker.close(() => server.close(() => r())));
    }
  }, 30_000);
});
