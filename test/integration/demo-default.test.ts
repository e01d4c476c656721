import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { freePort } from '../../cli/ports.ts';
import type { MonthTotal } from '../../simulators/building/truth.ts';
import { killAllZm, spawnZm } from '../support/processes.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';

// The path a new user takes: `zonemeter demo` with its default backfill (from 2020-01-01, about
// two million readings through the ingestor's MQTT path), then the indicators of every year from
// the plan's base year to last year, against what the simulator says it produced.
const ROOT = path.resolve(import.meta.dirname, '../..');
const SITE_FILE = path.join(ROOT, 'simulators/building/examples/demo-site.yaml');
const REGISTRY_FILE = path.join(ROOT, 'ingestor/registry/examples/demo-site.yaml');
const TOLERANCE = 0.005;
const KGCE_PER_KWH = 0.1229;
const HEAT_KGCE_PER_KWH = 0.03412 * 3.6; // 34.12 kgce/GJ, 3.6 MJ per kWh
const HEAT_KGCO2_PER_KWH = 110 * 0.0036; // 0.11 tCO₂/GJ
const KIND: Record<string, 'electricity' | 'water' | 'heat'> = { energy_import_kwh: 'electricity', volume_m3: 'water', heat_energy_kwh: 'heat' };

interface M { value: number | null; unit: string; reason?: string; completeness?: number }
interface Scope { indicators: Record<string, M>; quantities: Record<string, M>; completeness: Record<string, number>; plans: { baseYear: number; progress: { indicator: string; decline: M; achieved: M }[] }[] }
interface Report { total: Scope; buildings: (Scope & { building: string })[]; vintages: { id: string; type: string; carrier: string; value: number }[]; completenessMin: number | null }

describe('zonemeter demo, as a new user runs it', () => {
  const tmp = tempDir('zm-demo-default-');
  afterAll(async () => {
    await killAllZm();
    tmp.remove();
  });

  it('backfills from 2020, catches up, and reports every year to last year as the simulator produced it', async () => {
    const [http, mqtt, gw] = [await freePort(), await freePort(), await freePort()];
    const truthFile = path.join(tmp.dir, 'truth.json');
    const demo = spawnZm(['demo', '--var', tmp.dir, '--truth', truthFile], {
      ZM_HTTP_PORT: String(http), ZM_MQTT_PORT: String(mqtt), ZM_GATEWAY_HTTP: `127.0.0.1:${gw}`,
      INFLUX_URL: inject('influxUrl'), INFLUX_DB: uniqueDb('demo_default'), ZM_LANG: 'en', ZM_LOG_LEVEL: 'warn',
    });
    const out = () => demo.other.join('\n');
    const url = await waitFor(() => /Dashboard: (http:\/\/\S+?)\/?$/m.exec(out())?.[1], { timeoutMs: 30_000, what: `the dashboard URL:\n${out()}` });
    expect(out()).toMatch(/Backfill: 2020-01-01 → now/);

    const started = Date.now();
    await waitFor(() => (existsSync(path.join(tmp.dir, 'backfill-done')) ? true : undefined), { timeoutMs: 12 * 60_000, intervalMs: 1000, what: `the backfill to end:\n${out().slice(-2000)}` });
    const backfillDone = Date.now();
    // Caught up: no meter's underived readings reach back more than a minute behind its newest.
    const health = await waitFor(async () => {
      const h = (await (await fetch(`${url}/healthz`)).json()) as { usage: { lag_seconds: number; status: string } };
      return h.usage.lag_seconds < 60 ? h : undefined;
    }, { timeoutMs: 5 * 60_000, intervalMs: 1000, what: 'usage derivation to catch up' });
    console.log(`demo default backfill: ${((backfillDone - started) / 1000).toFixed(0)} s; usage caught up ${((Date.now() - backfillDone) / 1000).toFixed(1)} s after it ended (${health.usage.status})`);
    expect(out()).not.toMatch(/usage derivation failed/);

    const site = parseYaml(readFileSync(SITE_FILE, 'utf8')) as { buildings: { id: string; meters: { id: string; parent?: string }[] }[] };
    const registry = parseYaml(readFileSync(REGISTRY_FILE, 'utf8')) as { institutions: { sites: { buildings: { id: string }[] }[] }[] };
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as MonthTotal[];
    const kindOf = new Map(truth.map((t) => [t.meter, KIND[t.measurement]!]));
    // The ingestor's rule: a building's quantity of a kind is its main meters (top level, with
    // sub-meters), else its top-level meters.
    const counted = new Map<string, string[]>();
    for (const b of site.buildings) {
      for (const kind of ['electricity', 'water', 'heat']) {
        const top = b.meters.filter((m) => !m.parent && kindOf.get(m.id) === kind);
        const mains = top.filter((m) => b.meters.some((c) => c.parent === m.id));
        counted.set(`${b.id}/${kind}`, (mains.length ? mains : top).map((m) => m.id));
      }
    }
    const used = (year: number, meters: string[]) => truth.filter((t) => t.month.startsWith(`${year}-`) && meters.includes(t.meter)).reduce((s, t) => s + t.usage, 0);
    const near = (label: string, actual: number | null | undefined, expected: number) => {
      expect(actual, label).toBeTypeOf('number');
      expect(Math.abs(actual! - expected) / Math.abs(expected), `${label}: ${actual} against ${expected}`).toBeLessThanOrEqual(TOLERANCE);
    };

    const lastYear = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear() - 1;
    const buildings = registry.institutions[0]!.sites[0]!.buildings.map((b) => b.id);
    for (let year = 2020; year <= lastYear; year++) {
      const r = (await (await fetch(`${url}/api/v1/sites/demo/indicators?year=${year}`)).json()) as Report;
      expect(r.completenessMin, `${year} completeness`).toBeGreaterThanOrEqual(0.95);
      const q = { electricity: 0, water: 0, heat: 0 };
      for (const b of buildings) {
        const scope = r.buildings.find((x) => x.building === b)!;
        for (const kind of ['electricity', 'water', 'heat'] as const) {
          const meters = counted.get(`${b}/${kind}`) ?? [];
          if (!meters.length) continue;
          const want = used(year, meters);
          q[kind] += want;
          near(`${year} ${b} ${kind}`, scope.quantities[kind]?.value, want);
        }
      }
      const ind = r.total.indicators;
      const area = ind.area_m2!.value!, persons = ind.headcount!.value!;
      const grid = r.vintages.find((v) => v.type === 'co2' && v.carrier === 'electricity')!.value;
      const kgce = q.electricity * KGCE_PER_KWH + q.heat * HEAT_KGCE_PER_KWH;
      near(`${year} kgce_per_m2`, ind.kgce_per_m2!.value, kgce / area);
      near(`${year} kgce_per_capita`, ind.kgce_per_capita!.value, kgce / persons);
      near(`${year} water_m3_per_capita`, ind.water_m3_per_capita!.value, q.water / persons);
      near(`${year} kgco2_per_m2`, ind.kgco2_per_m2!.value, (q.electricity * grid + q.heat * HEAT_KGCO2_PER_KWH) / area);
      // Against the 2020 base: every decline and achieved share is a number.
      for (const p of r.total.plans[0]?.progress ?? []) {
        expect(p.decline.value, `${year} ${p.indicator} decline`).toBeTypeOf('number');
        expect(p.achieved.value, `${year} ${p.indicator} achieved`).toBeTypeOf('number');
      }
    }
    // A year before any data is null with its reason, never 0.
    const before = (await (await fetch(`${url}/api/v1/sites/demo/indicators?year=2019`)).json()) as Report;
    expect(before.total.indicators.kgce_per_m2).toMatchObject({ value: null, reason: 'no_data' });
    const future = (await (await fetch(`${url}/api/v1/sites/demo/indicators?year=${lastYear + 2}`)).json()) as Report;
    expect(future.total.indicators.water_m3_per_capita).toMatchObject({ value: null, reason: 'future' });

    await demo.stop('SIGINT');
    expect((await demo.exited).code).toBe(0);
  }, 20 * 60_000);
});
