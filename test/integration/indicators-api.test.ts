import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, Reading } from '../../core/index.ts';
import { connectCounterGateway, counterReadings, localDays, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

// A registry and a year of daily counter readings for 2020 (the 14th plan's base) and 2024, sent as
// MQTT batches through the ingestor's own path, then /indicators and /coverage against hand figures.
const REGISTRY = `
institutions:
  - id: bureau
    name: Test bureau
    type: office
    sites:
      - id: campus
        climateZone: cold
        gridRegion: national
        # 2020 was filed with the 2021 grid factor; the revision below must not change it.
        closedYears: [{ year: 2020, factors: [gbt2589-2020-electricity, grid-2021-national] }]
        buildings:
          - id: a
            area: [{ from: '2019-01-01', m2: 10000 }]
            headcount: [{ year: 2020, persons: 500 }, { year: 2024, persons: 520 }]
            zones: [{ zone: administrative }, { zone: business }]
            facilities: [canteen]
            supplies: [electricity, water]
          - id: b
            area: [{ from: '2019-01-01', m2: 4000 }]
            headcount: [{ year: 2020, persons: 100 }, { year: 2024, persons: 100 }]
            zones: [{ zone: administrative }]
            supplies: [electricity]
factors:
  - { id: grid-2021-national-rev, type: co2, carrier: electricity, value: 0.6, year: 2021, region: national, source: 'a later revision' }
`;

type Spec = Manifest['meters'][number];
const spec = (id: string, building: string, kind: Spec['kind'], extra: Partial<Spec>): Spec => ({
  id, building, kind, model: 'generic', zone: 'administrative', end_use: 'total', role: 'sub', multiplier: 1, ...extra,
});
// Per day: a's main meter, its business sub-meter, a's water main; b has no main meter, b1 is top level, b2 under b1.
const PER_DAY = {
  2020: { 'a-main': 1000, 'a-sub': 400, 'a-water': 30, b1: 200, b2: 50 },
  2024: { 'a-main': 950, 'a-sub': 380, 'a-water': 27, b1: 190, b2: 45 },
} as const;
const metersOf = (y: 2020 | 2024): Spec[] => [
  spec(`a-main-${y}`, 'a', 'electricity', { role: 'main' }),
  spec(`a-sub-${y}`, 'a', 'electricity', { parent: `a-main-${y}`, zone: 'business', end_use: 'lighting_sockets' }),
  spec(`a-water-${y}`, 'a', 'water', { role: 'main' }),
  spec(`b1-${y}`, 'b', 'electricity', { end_use: 'lighting_sockets' }),
  spec(`b2-${y}`, 'b', 'electricity', { parent: `b1-${y}`, end_use: 'air_conditioning' }),
];

/** One reading per meter at every local midnight of the year and the next year's first. */
const yearOfReadings = (y: 2020 | 2024): Reading[] => counterReadings(localDays(y), Object.entries(PER_DAY[y]).map(([m, perDay]) => ({
  meter: `${m}-${y}`, measurement: m === 'a-water' ? 'volume_m3' : 'energy_import_kwh', start: 10_000, usage: () => perDay,
})));

interface M { value: number | null; unit: string }
type Set = Record<string, M> & { vintages: { id: string; type: string; carrier: string; via: string }[] };
interface Scope { indicators: Set; plans: { plan: string; base: Set; progress: { indicator: string; decline: M; achieved: M; target: M; requiredYearlyDecline: M }[] }[]; breakdown: { zone: { key: string; energy_kgce: M }[]; end_use: { key: string; energy_kgce: M }[] }; quantities: Record<string, M> }
interface Report { total: Scope; buildings: (Scope & { building: string })[]; vintages: { id: string }[]; quantityRule: string }

describe('indicators, coverage and conflicts API', () => {
  const tmp = tempDir('zm-registry-');
  let ing: TestIngestor;
  let gw: CounterGateway;
  const get = async <T>(p: string) => {
    const res = await fetch(`${ing.url}${p}`);
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    const file = path.join(tmp.dir, 'registry.yaml');
    writeFileSync(file, REGISTRY);
    ing = await startTestIngestor({ gateways: [['campus', 'gw-1']], config: { registry: file } });
    gw = await connectCounterGateway(ing.mqttUrl, 'campus', 'gw-1', ing.passwords['gw-1']!);
    await gw.manifest([...metersOf(2020), ...metersOf(2024), spec('stray', 'ghost', 'electricity', {})]);
    for (const y of [2020, 2024] as const) expect((await gw.send(yearOfReadings(y))).status).toBe('ok');
    await ing.ingestor.usage.idle();
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    tmp.remove();
  });

  it('answers annual indicators of each building and the site against the 2020 base', async () => {
    const { status, body } = await get<Report>('/api/v1/sites/campus/indicators?year=2024');
    expect(status).toBe(200);
    const days = 366; // 2020 and 2024 are both leap years
    // Building a: its main meter (not main + sub); water from its water main.
    const aKwh = 950 * days, aKwh20 = 1000 * days;
    const a = body.buildings.find((b) => b.building === 'a')!;
    expect(a.quantities.electricity).toMatchObject({ value: expect.closeTo(aKwh, 6), unit: 'kWh' });
    expect(a.indicators.energy_kgce!.value).toBeCloseTo(aKwh * 0.1229, 4);
    expect(a.indicators.kgce_per_m2).toMatchObject({ value: expect.closeTo((aKwh * 0.1229) / 10000, 9), unit: 'kgce/m²' });
    expect(a.indicators.kgce_per_capita!.value).toBeCloseTo((aKwh * 0.1229) / 520, 9);
    expect(a.indicators.water_m3_per_capita).toMatchObject({ value: expect.closeTo((27 * days) / 520, 9), unit: 'm³/person' });
    // CO2: 2024 takes the 2023 national grid factor, 2020 the earliest published (2021).
    expect(a.indicators.kgco2_per_m2!.value).toBeCloseTo((aKwh * 0.5306) / 10000, 9);
    const plan = a.plans.find((p) => p.plan === '14th')!;
    expect(plan.base.kgce_per_m2!.value).toBeCloseTo((aKwh20 * 0.1229) / 10000, 9);
    expect(plan.base.kgco2_per_m2!.value).toBeCloseTo((aKwh20 * 0.5568) / 10000, 9);
    const perM2 = plan.progress.find((p) => p.indicator === 'kgce_per_m2')!;
    const d = (1000 - 950) / 1000;
    expect(perM2.decline.value).toBeCloseTo(d, 9);
    expect(perM2.achieved.value).toBeCloseTo(d / 0.05, 9);
    expect(perM2.requiredYearlyDecline.value).toBeCloseTo(1 - (1 - 0.05) / (1 - d), 9);
    const water = plan.progress.find((p) => p.indicator === 'water_m3_per_capita')!;
    expect(water.decline.value).toBeCloseTo(((30 * days) / 500 - (27 * days) / 520) / ((30 * days) / 500), 9);

    // Building b has no main meter: its top-level meter b1 counts, b2 (under b1) does not.
    const b = body.buildings.find((x) => x.building === 'b')!;
    expect(b.quantities.electricity!.value).toBeCloseTo(190 * days, 6);
    // The site: both buildings, areas and head-counts added.
    const siteKwh = aKwh + 190 * days, siteKwh20 = aKwh20 + 200 * days;
    expect(body.total.indicators.kgce_per_m2!.value).toBeCloseTo((siteKwh * 0.1229) / 14000, 9);
    expect(body.total.indicators.kgce_per_capita!.value).toBeCloseTo((siteKwh * 0.1229) / 620, 9);
    const siteDecline = body.total.plans[0]!.progress.find((p) => p.indicator === 'kgce_per_capita')!;
    const pc = (siteKwh * 0.1229) / 620, pc20 = (siteKwh20 * 0.1229) / 600;
    expect(siteDecline.decline.value).toBeCloseTo((pc20 - pc) / pc20, 9);
    expect(body.vintages.map((v) => v.id)).toEqual(expect.arrayContaining(['gbt2589-2020-electricity', 'grid-2023-national', 'grid-2021-national']));
    // The closed base year keeps the vintage it was filed with, not the revision now in the table.
    expect(body.vintages).toContainEqual(expect.objectContaining({ id: 'grid-2021-national', via: 'pinned' }));
    expect(body.vintages.map((v) => v.id)).not.toContain('grid-2021-national-rev');

    // Breakdown by zone of building a sums leaves: a-sub (business) and the water main (no energy).
    const business = a.breakdown.zone.find((r) => r.key === 'business')!;
    expect(business.energy_kgce.value).toBeCloseTo(380 * days * 0.1229, 4);
  });

  it('compares year-to-date with the same months of the base year', async () => {
    const { body } = await get<Report>('/api/v1/sites/campus/indicators?year=2024&ytd=true&through=3');
    const days = 31 + 29 + 31;
    const now = ((950 + 190) * days * 0.1229) / 14000;
    const base = ((1000 + 200) * days * 0.1229) / 14000;
    expect(body.total.indicators.kgce_per_m2!.value).toBeCloseTo(now, 9);
    expect(body.total.plans[0]!.base.kgce_per_m2!.value).toBeCloseTo(base, 9);
  });

  it('lists sites with buildings, and the manifest conflicts', async () => {
    const { body } = await get<{ sites: { id: string; conflicts: number; buildings: { id: string; area: { value: number; unit: string }[]; facilities: string[] }[] }[] }>('/api/v1/sites');
    expect(body.sites).toHaveLength(1);
    expect(body.sites[0]!.buildings.map((b) => b.id)).toEqual(['a', 'b']);
    expect(body.sites[0]!.buildings[0]!.area[0]).toEqual({ from: '2019-01-01', value: 10000, unit: 'm²' });
    // The fixture's two generations of main meters are duplicates in one manifest, and one meter names no known building.
    expect(body.sites[0]!.conflicts).toBe(3);
    const c = await get<{ conflicts: { code: string; meter: string; path: string }[] }>('/api/v1/sites/campus/conflicts');
    expect(c.body.conflicts).toEqual([
      expect.objectContaining({ code: 'duplicate_main', meter: 'a-main-2024', path: 'manifests[0].meters[5].role' }),
      expect.objectContaining({ code: 'duplicate_main', meter: 'a-water-2024', path: 'manifests[0].meters[7].role' }),
      expect.objectContaining({ code: 'unknown_building', meter: 'stray', path: 'manifests[0].meters[10].building' }),
    ]);
    expect((await get<{ code: string }>('/api/v1/sites/nowhere/indicators')).body.code).toBe('ERR_NOT_FOUND');
  });

  it('shows the canteen without a meter in 分项 coverage, and parent balances', async () => {
    await gw.send([{ meter: 'a-sub-2024', ts: Date.now() - 60_000, values: { energy_import_kwh: 500_000 } }]);
    const { body } = await get<{
      buildings: { building: string; zone: { required: number; equipped: number; live: number; rate: M }; facility: { required: number; equipped: number; rate: M }; missing: { facility: string | null; zone: string | null; kinds: string[]; reason: string; status: string }[]; balance: { parent: string; unmetered: M }[] }[];
    }>('/api/v1/sites/campus/coverage?year=2020');
    const a = body.buildings.find((b) => b.building === 'a')!;
    // Two zones × two kinds; only business × electricity has a meter (a main meter cannot meter one of two zones).
    expect(a.zone).toMatchObject({ required: 4, equipped: 1, live: 1 });
    expect(a.zone.rate.value).toBeCloseTo(0.25, 9);
    // The canteen needs electricity and water points (gas is not supplied): none equipped.
    expect(a.facility).toMatchObject({ required: 2, equipped: 0 });
    expect(a.facility.rate.value).toBe(0);
    const canteen = a.missing.filter((m) => m.facility === 'canteen');
    expect(canteen.map((m) => m.kinds)).toEqual([['electricity'], ['water']]);
    expect(canteen[0]!.reason).toContain('canteen');
    // 2020: a-main 1000/day against a-sub 400/day leaves 600/day unmetered.
    const bal = a.balance.find((x) => x.parent === 'a-main-2020')!;
    expect(bal.unmetered).toMatchObject({ value: expect.closeTo(600 * 366, 6), unit: 'kWh' });
  });

  it('refuses to start with an invalid registry, naming the path', async () => {
    const bad = path.join(tmp.dir, 'bad.yaml');
    writeFileSync(bad, REGISTRY.replace('m2: 4000', 'm2: -4'));
    await expect(startTestIngestor({ config: { registry: bad } })).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID', details: expect.arrayContaining([expect.stringContaining('institutions[0].sites[0].buildings[1].area[0].m2')]),
    });
  });
});
