import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runBackfill } from '../../simulators/backfill/index.ts';
import { loadSite, siteTime } from '../../simulators/building/schema.ts';
import type { TruthRow } from '../../simulators/building/series.ts';
import { parseTruth } from '../../simulators/building/truth.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

// Two simulated years (the 14th plan's base 2020 and the report year 2021) pushed through the
// ingestor's own MQTT batch path, then every indicator of the API and the annual and monthly
// reports against figures computed here from the simulator's truth file alone.
//
// 2021 rather than 2025 as the report year: the counters are integrated from the site's origin,
// and 2021–2024 would either be backfilled or spread by the ingestor as a four-year gap, either
// way 140k usage buckets per meter for nothing the test reads. Hourly steps: a quarter of the
// readings of 15-minute steps, while every step is still apportioned into four 15-minute buckets
// and rolled up into hours and local days; local midnights are step boundaries, so the truth
// rows split exactly at the years' and months' starts.
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const SITE_FILE = path.join(FIXTURES, 'sites/truth-site.yaml');
const REGISTRY_FILE = path.join(FIXTURES, 'registry/truth-registry.yaml');
const H = 3_600_000;
const BASE = 2020;
const YEAR = 2021;
const TOLERANCE = 0.005;

// DESIGN.md defaults, written out: GB/T 2589-2020 当量值 and the MEE/NBS national grid factors.
const KGCE_PER_KWH = 0.1229;
const HEAT_KGCE_PER_GJ = 34.12;
const HEAT_KGCO2_PER_GJ = 110; // 0.11 tCO₂/GJ
const GJ_PER_KWH = 0.0036; // 1 kWh = 3.6 MJ
const GRID_KGCO2_PER_KWH: Record<string, number> = { 'grid-2021-national': 0.5568, 'grid-2022-national': 0.5366, 'grid-2023-national': 0.5306 };
// 14th five-year plan: total declines 2020 → 2025.
const TARGETS = { kgce_per_m2: 0.05, kgce_per_capita: 0.06, water_m3_per_capita: 0.06, kgco2_per_m2: 0.07 } as const;
const TARGET_YEAR = 2025;
type Key = keyof typeof TARGETS;
const KEYS = Object.keys(TARGETS) as Key[];

type Kind = 'electricity' | 'water' | 'heat';
const KIND_OF: Record<string, Kind> = { energy_import_kwh: 'electricity', volume_m3: 'water', heat_energy_kwh: 'heat' };

interface SiteMeter { id: string; building: string; parent?: string; zone: string; endUse: string; leaf: boolean }
interface RegistryBuilding { id: string; area: { from: string; m2: number }[]; headcount: { year: number; persons: number }[] }

interface M { value: number | null; unit: string }
interface Vintage { id: string; type: string; carrier: string; via: string; year: number }
type IndicatorSet = Record<string, M> & { vintages: Vintage[] };
interface Progress { indicator: Key; decline: M; achieved: M; target: M; requiredYearlyDecline: M; yearsLeft: number }
interface Row { key: string; energy_kgce: M; water_m3: M; co2_kg: M }
interface Scope { indicators: IndicatorSet; quantities: Record<string, M>; plans: { plan: string; base: IndicatorSet; progress: Progress[] }[]; breakdown: { zone: Row[]; end_use: Row[] } }
interface Report { total: Scope; buildings: (Scope & { building: string })[]; vintages: Vintage[] }

/** Local midnight of a date at the site's UTC+8. */
const localDate = (y: number, m = 1, d = 1) => Date.UTC(y, m - 1, d) - 8 * H;

/** What the truth says a set of meters used in (from, to]: each row's usage is the step ending at its ts. */
function usageIn(truth: readonly TruthRow[], from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of truth) if (r.ts > from && r.ts <= to) out.set(r.meter, (out.get(r.meter) ?? 0) + r.usage);
  return out;
}

interface Figures {
  q: Record<Kind, number>;
  energy_kgce: number;
  co2_kg: number;
  water_m3: number;
  area: number;
  persons: number;
  ind: Record<Key, number>;
}

describe('a simulated base year and report year reconcile with the truth', () => {
  const tmp = tempDir('zm-truth-');
  let ing: TestIngestor;
  let truth: TruthRow[];
  const meters: SiteMeter[] = [];
  let registry: RegistryBuilding[];
  let kindOf: Map<string, Kind>;
  /** Largest relative error seen per figure, reported at the end. */
  const worst = new Map<string, number>();

  const close = (label: string, actual: number | null | undefined, expected: number) => {
    expect(actual, label).toBeTypeOf('number');
    const rel = expected === 0 ? Math.abs(actual!) : Math.abs(actual! - expected) / Math.abs(expected);
    const key = label.replace(/^[^ ]+ /, '');
    worst.set(key, Math.max(worst.get(key) ?? 0, rel));
    expect(rel, `${label}: ${actual} against ${expected}`).toBeLessThanOrEqual(TOLERANCE);
  };

  /** Figures of some buildings over local months [1, throughMonth] of a year (the whole year by default). */
  const scopeFigures = (buildings: readonly string[], year: number, grid: number, throughMonth = 12): Figures => {
    const used = usageIn(truth, localDate(year), throughMonth === 12 ? localDate(year + 1) : localDate(year, throughMonth + 1));
    const q: Record<Kind, number> = { electricity: 0, water: 0, heat: 0 };
    // A building's quantity is what enters it: its top-level meters (the incomer where there is
    // one), never an incomer and its sub-meters together.
    for (const m of meters) if (buildings.includes(m.building) && m.parent === undefined) q[kindOf.get(m.id)!] += used.get(m.id) ?? 0;
    const heatGj = q.heat * GJ_PER_KWH;
    const energy_kgce = q.electricity * KGCE_PER_KWH + heatGj * HEAT_KGCE_PER_GJ;
    const co2_kg = q.electricity * grid + heatGj * HEAT_KGCO2_PER_GJ;
    const regs = registry.filter((b) => buildings.includes(b.id));
    // Area entries here change only on 1 January, so the year's area is the entry in force on that day.
    const area = regs.reduce((s, b) => s + b.area.filter((a) => a.from <= `${year}-01-01`).at(-1)!.m2, 0);
    const persons = regs.reduce((s, b) => s + b.headcount.find((h) => h.year === year)!.persons, 0);
    return {
      q, energy_kgce, co2_kg, water_m3: q.water, area, persons,
      ind: { kgce_per_m2: energy_kgce / area, kgce_per_capita: energy_kgce / persons, water_m3_per_capita: q.water / persons, kgco2_per_m2: co2_kg / area },
    };
  };

  /** Leaf meters grouped by zone or end use: energy kgce and water m³ per group. */
  const breakdownFigures = (buildings: readonly string[], by: 'zone' | 'endUse', grid: number) => {
    const used = usageIn(truth, localDate(YEAR), localDate(YEAR + 1));
    const out = new Map<string, { kgce: number; co2: number; water: number }>();
    for (const m of meters.filter((x) => buildings.includes(x.building) && x.leaf)) {
      const u = used.get(m.id) ?? 0;
      const g = out.get(m[by]) ?? { kgce: 0, co2: 0, water: 0 };
      const kind = kindOf.get(m.id)!;
      if (kind === 'electricity') { g.kgce += u * KGCE_PER_KWH; g.co2 += u * grid; }
      if (kind === 'heat') { g.kgce += u * GJ_PER_KWH * HEAT_KGCE_PER_GJ; g.co2 += u * GJ_PER_KWH * HEAT_KGCO2_PER_GJ; }
      if (kind === 'water') g.water += u;
      out.set(m[by], g);
    }
    return out;
  };

  beforeAll(async () => {
    const siteText = parseYaml(readFileSync(SITE_FILE, 'utf8')) as { buildings: { id: string; meters: { id: string; parent?: string; zone: string; endUse: string }[] }[] };
    for (const b of siteText.buildings) {
      for (const m of b.meters) meters.push({ id: m.id, building: b.id, zone: m.zone, endUse: m.endUse, leaf: !b.meters.some((c) => c.parent === m.id), ...(m.parent ? { parent: m.parent } : {}) });
    }
    registry = (parseYaml(readFileSync(REGISTRY_FILE, 'utf8')) as { institutions: { sites: { buildings: RegistryBuilding[] }[] }[] }).institutions[0]!.sites[0]!.buildings;

    ing = await startTestIngestor({ gateways: [['truth', 'gw-1']], config: { registry: REGISTRY_FILE } });
    const site = loadSite(SITE_FILE);
    const truthFile = path.join(tmp.dir, 'truth.jsonl');
    const result = await runBackfill({
      site, truthFile, stepMs: H, from: siteTime(`${BASE}-01-01`, 8), to: siteTime(`${YEAR + 1}-01-01`, 8),
      ingestor: { url: ing.mqttUrl, username: 'gw-1', password: ing.passwords['gw-1'] },
    });
    expect(result.done).toBe(true);
    await ing.ingestor.usage.idle();
    truth = parseTruth(readFileSync(truthFile, 'utf8'));
    kindOf = new Map(truth.map((r) => [r.meter, KIND_OF[r.measurement]!]));
    expect(truth).toHaveLength((366 + 365) * 24 * meters.length + meters.length);
  }, 120_000);
  afterAll(async () => {
    await ing?.close();
    tmp.remove();
    if (worst.size) console.info(`largest relative error per figure:\n${[...worst].map(([k, v]) => `  ${k}: ${v.toExponential(2)}`).join('\n')}`);
  });

  it('answers each building and the site as the truth says, against the 2020 base', async () => {
    const res = await fetch(`${ing.url}/api/v1/sites/truth/indicators?year=${YEAR}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Report;
    // The vintages the API used: 2021 has its own grid factor; 2020 has none and takes 2021's.
    const grid = (set: IndicatorSet, year: number) => {
      const v = set.vintages.find((x) => x.type === 'co2' && x.carrier === 'electricity')!;
      expect(v.id in GRID_KGCO2_PER_KWH, `grid vintage ${v.id} is one of DESIGN.md's`).toBe(true);
      expect(v.via).toBe(v.year === year ? 'exact' : v.year > year ? 'later_year' : 'earlier_year');
      return GRID_KGCO2_PER_KWH[v.id]!;
    };
    expect(body.vintages.map((v) => v.id)).toEqual(expect.arrayContaining(['gbt2589-2020-electricity', 'gbt2589-2020-heat', 'heat-co2-011', 'grid-2021-national']));

    const scopes: [string, string[], Scope][] = [
      ...body.buildings.map((b) => [b.building, [b.building], b] as [string, string[], Scope]),
      ['site', ['hall', 'annex'], body.total],
    ];
    expect(scopes.map(([n]) => n)).toEqual(['hall', 'annex', 'site']);
    for (const [name, ids, scope] of scopes) {
      const plan = scope.plans.find((p) => p.plan === '14th')!;
      const now = scopeFigures(ids, YEAR, grid(scope.indicators, YEAR));
      const base = scopeFigures(ids, BASE, grid(plan.base, BASE));
      for (const kind of ['electricity', 'water', 'heat'] as const) {
        if (now.q[kind] === 0) expect(scope.quantities[kind], `${name} ${kind}`).toBeUndefined();
        else close(`${name} ${kind} quantity`, scope.quantities[kind]?.value, now.q[kind]);
      }
      close(`${name} energy_kgce`, scope.indicators.energy_kgce!.value, now.energy_kgce);
      close(`${name} co2_kg`, scope.indicators.co2_kg!.value, now.co2_kg);
      close(`${name} water_m3`, scope.indicators.water_m3!.value, now.water_m3);
      close(`${name} base energy_kgce`, plan.base.energy_kgce!.value, base.energy_kgce);
      for (const key of KEYS) {
        close(`${name} ${key}`, scope.indicators[key]!.value, now.ind[key]);
        close(`${name} base ${key}`, plan.base[key]!.value, base.ind[key]);
        const p = plan.progress.find((x) => x.indicator === key)!;
        const d = (base.ind[key] - now.ind[key]) / base.ind[key];
        close(`${name} decline ${key}`, p.decline.value, d);
        close(`${name} achieved ${key}`, p.achieved.value, d / TARGETS[key]);
        expect(p.yearsLeft).toBe(TARGET_YEAR - YEAR);
        close(`${name} required_yearly_decline ${key}`, p.requiredYearlyDecline.value, 1 - ((1 - TARGETS[key]) / (1 - d)) ** (1 / (TARGET_YEAR - YEAR)));
      }
      const g = grid(scope.indicators, YEAR);
      for (const [by, rows] of [['zone', scope.breakdown.zone], ['endUse', scope.breakdown.end_use]] as const) {
        const expected = breakdownFigures(ids, by, g);
        expect(rows.map((r) => r.key).sort(), `${name} ${by} keys`).toEqual([...expected.keys()].sort());
        for (const [key, e] of expected) {
          const row = rows.find((r) => r.key === key)!;
          if (e.kgce > 0) close(`${name} breakdown ${by} energy_kgce`, row.energy_kgce.value, e.kgce);
          if (e.co2 > 0) close(`${name} breakdown ${by} co2_kg`, row.co2_kg.value, e.co2);
          if (e.water > 0) close(`${name} breakdown ${by} water_m3`, row.water_m3.value, e.water);
        }
      }
    }
  });

  it('writes the same totals in the annual CSV report', async () => {
    const res = await fetch(`${ing.url}/api/v1/sites/truth/reports/annual?year=${YEAR}&format=csv`);
    expect(res.status).toBe(200);
    const text = new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()).slice(3));
    // No field here holds a comma or quote, so a plain split reads it.
    const rows = text.split('\r\n').filter((l) => l && !l.startsWith('# ')).slice(1).map((l) => l.split(','));
    const cell = (scope: string, building: string, key: string) => rows.find((r) => r[0] === scope && r[1] === building && r[2] === key)!;
    const g = GRID_KGCO2_PER_KWH['grid-2021-national']!;
    for (const [scope, building, ids] of [['building', 'hall', ['hall']], ['building', 'annex', ['annex']], ['site', 'truth', ['hall', 'annex']]] as const) {
      const now = scopeFigures(ids, YEAR, g);
      const base = scopeFigures(ids, BASE, g);
      close(`${building} csv electricity_quantity`, Number(cell(scope, building, 'electricity_quantity')[6]), now.q.electricity);
      close(`${building} csv water_quantity`, Number(cell(scope, building, 'water_quantity')[6]), now.q.water);
      for (const key of ['energy_kgce', 'co2_kg', 'water_m3'] as const) close(`${building} csv ${key}`, Number(cell(scope, building, key)[6]), now[key]);
      close(`${building} csv area_m2`, Number(cell(scope, building, 'area_m2')[6]), now.area);
      close(`${building} csv headcount`, Number(cell(scope, building, 'headcount')[6]), now.persons);
      for (const key of KEYS) {
        const r = cell(scope, building, key);
        close(`${building} csv ${key}`, Number(r[6]), now.ind[key]);
        expect(r[7]).toBe(String(BASE));
        close(`${building} csv base ${key}`, Number(r[8]), base.ind[key]);
        close(`${building} csv decline ${key}`, Number(r[9]), (base.ind[key] - now.ind[key]) / base.ind[key]);
      }
    }
    expect(cell('building', 'hall', 'heat_quantity')[5]).toBe('kWh');
    close('hall csv heat_quantity', Number(cell('building', 'hall', 'heat_quantity')[6]), scopeFigures(['hall'], YEAR, g).q.heat);
  });

  it('compares year-to-date with the same months of the base year', async () => {
    const res = await fetch(`${ing.url}/api/v1/sites/truth/indicators?year=${YEAR}&ytd=true&through=6`);
    const body = (await res.json()) as Report;
    const g = GRID_KGCO2_PER_KWH['grid-2021-national']!;
    const now = scopeFigures(['hall', 'annex'], YEAR, g, 6);
    const base = scopeFigures(['hall', 'annex'], BASE, g, 6);
    const plan = body.total.plans.find((p) => p.plan === '14th')!;
    close('site ytd energy_kgce', body.total.indicators.energy_kgce!.value, now.energy_kgce);
    close('site ytd base energy_kgce', plan.base.energy_kgce!.value, base.energy_kgce);
    for (const key of KEYS) {
      close(`site ytd ${key}`, body.total.indicators[key]!.value, now.ind[key]);
      close(`site ytd base ${key}`, plan.base[key]!.value, base.ind[key]);
      close(`site ytd decline ${key}`, plan.progress.find((p) => p.indicator === key)!.decline.value, (base.ind[key] - now.ind[key]) / base.ind[key]);
    }
  });

  it('balances the hall incomer against its sub-meters as the truth does', async () => {
    const res = await fetch(`${ing.url}/api/v1/sites/truth/coverage?year=${YEAR}`);
    const body = (await res.json()) as { buildings: { building: string; balance: { parent: string; unmetered: M; unmeteredShare: M }[] }[] };
    const used = usageIn(truth, localDate(YEAR), localDate(YEAR + 1));
    const main = used.get('hall-elec')!;
    const subs = meters.filter((m) => m.parent === 'hall-elec').reduce((s, m) => s + used.get(m.id)!, 0);
    const row = body.buildings.find((b) => b.building === 'hall')!.balance.find((b) => b.parent === 'hall-elec')!;
    close('hall balance unmetered', row.unmetered.value, main - subs);
    close('hall balance unmetered_share', row.unmeteredShare.value, (main - subs) / main);
    // The site file puts 2% losses on the incomer: 0.02 / 1.02 of what it measures.
    expect(row.unmeteredShare.value).toBeCloseTo(0.02 / 1.02, 4);
  });

  it('puts every month of the report year where the local calendar puts it', async () => {
    // One local month is about 744 hours: putting the 8 hours between UTC and local midnight in
    // the wrong month moves about 1%, which this catches and the yearly figures cannot.
    const res = await fetch(`${ing.url}/api/v1/sites/truth/reports/monthly?year=${YEAR}&format=csv`);
    const text = new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()).slice(3));
    const rows = text.split('\r\n').filter((l) => l && !l.startsWith('# ')).slice(1).map((l) => l.split(','));
    for (let m = 1; m <= 12; m++) {
      const used = usageIn(truth, localDate(YEAR, m), m === 12 ? localDate(YEAR + 1) : localDate(YEAR, m + 1));
      for (const b of ['hall', 'annex']) {
        for (const kind of ['electricity', 'water', 'heat'] as const) {
          const top = meters.filter((x) => x.building === b && x.parent === undefined && kindOf.get(x.id) === kind);
          const row = rows.find((r) => r[0] === `${YEAR}-${String(m).padStart(2, '0')}` && r[1] === b && r[2] === kind);
          if (top.length === 0) { expect(row, `${b} ${kind} ${m}`).toBeUndefined(); continue; }
          // Heat is off in summer: a zero month is compared absolutely (close() does so for 0).
          close(`${b} monthly ${kind}`, Number(row![3]), top.reduce((s, x) => s + (used.get(x.id) ?? 0), 0));
        }
      }
    }
  });
});
