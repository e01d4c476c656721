import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, Reading } from '../../core/index.ts';
import { connectCounterGateway, localDays, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

// Daily counter readings with a gap of two and a half years, through MQTT, then the indicators of
// every year against figures worked out here by hand: complete years are numbers, years the gap
// covers are null with their reason and completeness, and the gap's usage is in the totals.
const REGISTRY = `
institutions:
  - id: bureau
    name: Bureau
    type: office
    sites:
      - id: hall
        climateZone: cold
        buildings:
          - id: b
            area: [{ from: '2019-01-01', m2: 1000 }]
            headcount: [{ year: 2020, persons: 100 }, { year: 2021, persons: 100 }, { year: 2022, persons: 100 }, { year: 2023, persons: 100 }, { year: 2024, persons: 100 }]
            zones: [{ zone: administrative }]
            supplies: [electricity, water]
`;
const H = 3_600_000;
const local = (iso: string) => Date.parse(`${iso}T00:00:00Z`) - 8 * H;
const DAY = 24 * H;
// Electricity 100 kWh a day in 2020, 110 from July 2023; water 5 m³ a day, then 6.
const GAP_FROM = local('2021-01-01'), GAP_TO = local('2023-07-01');
const GAP_DAYS = (GAP_TO - GAP_FROM) / DAY; // 911
const GAP_KWH = 91_000, GAP_M3 = 4_600;

type Spec = Manifest['meters'][number];
const meter = (id: string, kind: Spec['kind']): Spec => ({ id, building: 'b', kind, model: 'generic', zone: 'administrative', end_use: 'total', role: 'main', multiplier: 1 });

function readings(): Reading[] {
  const out: Reading[] = [];
  let kwh = 1000, m3 = 50;
  const at = (ts: number) => out.push({ meter: 'e', ts, values: { energy_import_kwh: kwh } }, { meter: 'w', ts, values: { volume_m3: m3 } });
  for (const ts of localDays(2020)) {
    at(ts);
    if (ts < GAP_FROM) { kwh += 100; m3 += 5; }
  }
  kwh += GAP_KWH; m3 += GAP_M3;
  for (let ts = GAP_TO; ts <= local('2025-01-01'); ts += DAY) {
    at(ts);
    kwh += 110; m3 += 6;
  }
  return out;
}

interface M { value: number | null; unit: string; reason?: string; completeness?: number }
interface Scope { indicators: Record<string, M>; quantities: Record<string, M>; completeness: Record<string, number>; plans: { progress: { indicator: string; decline: M; achieved: M }[] }[] }
interface Report { total: Scope; completenessMin: number | null }

describe('indicators across a multi-year gap in daily readings', () => {
  const tmp = tempDir('zm-gaps-');
  let ing: TestIngestor;
  let gw: CounterGateway;
  const report = async (year: number) => (await (await fetch(`${ing.url}/api/v1/sites/hall/indicators?year=${year}`)).json()) as Report;

  beforeAll(async () => {
    const file = path.join(tmp.dir, 'registry.yaml');
    writeFileSync(file, REGISTRY);
    ing = await startTestIngestor({ gateways: [['hall', 'gw-1']], config: { registry: file } });
    gw = await connectCounterGateway(ing.mqttUrl, 'hall', 'gw-1', ing.passwords['gw-1']!);
    await gw.manifest([meter('e', 'electricity'), meter('w', 'water')]);
    expect((await gw.send(readings())).status).toBe('ok');
    await ing.ingestor.usage.idle();
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    tmp.remove();
  });

  it('reports the complete years as numbers and compares them', async () => {
    const y2020 = await report(2020);
    expect(y2020.total.completeness).toEqual({ electricity: 1, water: 1 });
    expect(y2020.total.quantities.electricity!.value).toBeCloseTo(36_600, 6);
    expect(y2020.total.indicators.kgce_per_m2).toMatchObject({ value: expect.closeTo((36_600 * 0.1229) / 1000, 9), completeness: 1 });
    expect(y2020.total.indicators.water_m3_per_capita!.value).toBeCloseTo(1830 / 100, 9);
    const y2024 = await report(2024);
    expect(y2024.completenessMin).toBe(1);
    const kgce24 = 366 * 110 * 0.1229 / 1000, kgce20 = 36_600 * 0.1229 / 1000;
    expect(y2024.total.indicators.kgce_per_m2!.value).toBeCloseTo(kgce24, 9);
    const decline = y2024.total.plans[0]!.progress.find((p) => p.indicator === 'kgce_per_m2')!.decline;
    expect(decline.value).toBeCloseTo((kgce20 - kgce24) / kgce20, 9);
  });

  it('answers the years the gap covers with null, the reason and the completeness, never 0', async () => {
    for (const year of [2021, 2022]) {
      const r = await report(year);
      expect(r.total.completeness, `${year}`).toEqual({ electricity: 0, water: 0 });
      for (const key of ['kgce_per_m2', 'kgce_per_capita', 'water_m3_per_capita', 'kgco2_per_m2']) {
        expect(r.total.indicators[key], `${year} ${key}`).toMatchObject({ value: null, reason: 'incomplete', completeness: 0 });
      }
      // Against the 2020 base the decline is not a number to file either.
      expect(r.total.plans[0]!.progress[0]!.decline).toMatchObject({ value: null, reason: 'now_incomplete' });
    }
    // From 1 July 2023 on the readings are daily again: 184 of 365 days measured.
    const y2023 = await report(2023);
    expect(y2023.total.completeness.electricity).toBeCloseTo(184 / 365, 9);
    expect(y2023.total.indicators.kgce_per_m2).toMatchObject({ value: null, reason: 'incomplete', completeness: expect.closeTo(184 / 365, 9) });
  });

  it('keeps the gap\'s usage in the totals, spread evenly over the days it spans', async () => {
    const q = async (y: number) => (await report(y)).total.quantities;
    const [q21, q22, q23] = [await q(2021), await q(2022), await q(2023)];
    // 2021 and 2022 are wholly inside the gap: their share of it by days.
    expect(q21.electricity!.value).toBeCloseTo((GAP_KWH * 365) / GAP_DAYS, 6);
    expect(q22.water!.value).toBeCloseTo((GAP_M3 * 365) / GAP_DAYS, 6);
    // 2023: the gap's first half-year plus 184 measured days.
    expect(q23.electricity!.value).toBeCloseTo((GAP_KWH * 181) / GAP_DAYS + 184 * 110, 6);
    expect(q21.electricity!.value! + q22.electricity!.value! + q23.electricity!.value! - 184 * 110).toBeCloseTo(GAP_KWH, 6);
  });

  it('answers a year before any data and one in the future with null and the reason', async () => {
    expect((await report(2019)).total.indicators.kgce_per_m2).toMatchObject({ value: null, reason: 'no_data' });
    expect((await report(new Date().getFullYear() + 1)).total.indicators.water_m3_per_capita).toMatchObject({ value: null, reason: 'future' });
  });

  it('answers again once a late reading changes a year it already answered', async () => {
    const before = (await report(2021)).total.quantities.electricity!.value!;
    expect(before).toBeCloseTo((GAP_KWH * 365) / GAP_DAYS, 6);
    // A reading found later, on 1 January 2022: the counter then stood 50,000 kWh above 2021's start.
    expect((await gw.send([{ meter: 'e', ts: local('2022-01-01'), values: { energy_import_kwh: 37_600 + 50_000 } }])).status).toBe('ok');
    await ing.ingestor.usage.idle();
    expect((await report(2021)).total.quantities.electricity!.value).toBeCloseTo(50_000, 6);
    expect((await report(2022)).total.quantities.electricity!.value).toBeCloseTo((41_000 * 365) / (365 + 181), 6);
  });
});
