import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { killAllZm, spawnZm } from '../support/processes.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

interface MeterRow { id: string; site: string; last_reading: { ts: number; values: Record<string, number> } | null }

describe('zonemeter demo', () => {
  const tmp = tempDir('zm-demo-');
  afterAll(async () => {
    await killAllZm();
    tmp.remove();
  });

  it('runs the bundled site live with a backfill, answers the API, and stops cleanly on SIGINT', async () => {
    const [http, mqtt, gw] = [await freePort(), await freePort(), await freePort()];
    const from = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    const demo = spawnZm(['demo', '--var', tmp.dir], {
      ZM_HTTP_PORT: String(http), ZM_MQTT_PORT: String(mqtt), ZM_GATEWAY_HTTP: `127.0.0.1:${gw}`,
      INFLUX_URL: inject('influxUrl'), INFLUX_DB: uniqueDb('demo'), ZM_DEMO_BACKFILL_FROM: from, ZM_LANG: 'en', ZM_LOG_LEVEL: 'warn',
    });
    const out = () => demo.other.join('\n');
    const url = await waitFor(() => /Dashboard: (http:\/\/\S+?)\/?$/m.exec(out())?.[1], { timeoutMs: 30_000, what: `the dashboard URL:\n${out()}` });
    expect(url).toBe(`http://127.0.0.1:${http}`);
    // It used the suite's influxd, not one of its own.
    expect(out()).not.toMatch(/^InfluxDB:/m);
    const simPorts = [...out().matchAll(/Simulated meters: \S+ 127\.0\.0\.1:(\d+) \((\d+)\)/g)];
    expect(simPorts.map((m) => Number(m[2])).reduce((a, b) => a + b, 0)).toBe(22);

    // Every meter of the site, each with a live reading from the simulated building.
    const meters = await waitFor(async () => {
      const body = (await (await fetch(`${url}/api/v1/meters?site=demo`)).json()) as { meters: MeterRow[] };
      // Backfilled history reaches the same stream; a live reading is one read in the last 30 s.
      return body.meters.length === 22 && body.meters.every((m) => m.last_reading && Date.now() - m.last_reading.ts < 30_000) ? body.meters : undefined;
    }, { timeoutMs: 40_000, intervalMs: 500, what: 'live readings from all 22 meters' });
    expect(new Set(meters.map((m) => m.id)).size).toBe(22);
    expect(meters.find((m) => m.id === 'main-elec')!.last_reading!.values.energy_import_kwh).toBeGreaterThan(0);

    const marker = path.join(tmp.dir, 'backfill-done');
    await waitFor(() => (existsSync(marker) ? true : undefined), { timeoutMs: 40_000, intervalMs: 500, what: `the backfill marker:\n${out()}` });
    expect(readFileSync(marker, 'utf8')).toMatch(new RegExp(`\\d+ readings from ${from}`));

    // Usage follows the backfill: wait until no meter's underived readings reach back a minute.
    await waitFor(async () => {
      const h = (await (await fetch(`${url}/healthz`)).json()) as { usage: { lag_seconds: number } };
      return h.usage.lag_seconds < 60 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500, what: 'usage derivation to catch up' });
    // The local days from the backfill's start to today are measured throughout.
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const res = await fetch(`${url}/api/v1/sites/demo/indicators?from=${from}&to=${today}`);
    expect(res.status).toBe(200);
    type Figure = { value: number; unit: string };
    const { total, completenessMin } = (await res.json()) as { total: { indicators: Record<string, Figure>; quantities: Record<string, Figure> }; completenessMin: number };
    expect(completenessMin).toBe(1);
    const q = total.quantities;
    for (const kind of ['electricity', 'heat', 'water']) expect(q[kind]!.value, kind).toBeGreaterThan(0);
    // The figures follow from the backfilled quantities with the GB/T 2589-2020 coefficients.
    const kgce = q.electricity!.value * 0.1229 + q.heat!.value * 0.03412 * 3.6;
    expect(total.indicators.energy_kgce!.value).toBeCloseTo(kgce, 3);
    expect(total.indicators.kgce_per_m2!.value).toBeCloseTo(kgce / total.indicators.area_m2!.value, 6);
    expect(total.indicators.water_m3!.value).toBeCloseTo(q.water!.value, 6);

    await demo.stop('SIGINT');
    expect((await demo.exited).code).toBe(0);
    for (const port of [http, mqtt, gw, ...simPorts.map((m) => Number(m[1]))]) expect(await portFree(port), `port ${port}`).toBe(true);
  }, 60_000);
});
