import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../core/index.ts';
import type { MeterTotal } from '../../ingestor/indicators/quantities.ts';
import { MonthTotals } from '../../ingestor/reports/month-totals.ts';
import { meterTotals } from '../../ingestor/reports/totals.ts';
import { USAGE_1MO, usageLine, usageSeries } from '../../ingestor/usage/lines.ts';
import { connectCounterGateway, counterReadings, localDays, localMonthStarts, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

// The in-memory monthly totals must answer exactly what InfluxDB answers for the same whole-month
// periods: filled by the usage service as its writes land, loaded from InfluxDB on start, and
// picking up points written by other means on the next load.
type Spec = Manifest['meters'][number];
const spec = (id: string, kind: Spec['kind'], zone: Spec['zone'], role: Spec['role']): Spec => ({ id, building: 'b1', kind, model: 'generic', zone, end_use: role === 'main' ? 'total' : 'lighting_sockets', role, multiplier: 1, ...(role === 'sub' ? { parent: 'main' } : {}) });
const METERS = [spec('main', 'electricity', 'administrative', 'main'), spec('light', 'electricity', 'business', 'sub'), spec('water', 'water', 'administrative', 'main')];
const H = 3_600_000;
const REGISTRY = `
institutions:
  - id: bureau
    name: Bureau
    type: office
    sites:
      - id: tot
        climateZone: cold
        buildings:
          - id: b1
            area: [{ from: '2019-01-01', m2: 2000 }]
            headcount: [{ year: 2023, persons: 80 }, { year: 2024, persons: 80 }]
            zones: [{ zone: administrative }, { zone: business }]
            supplies: [electricity, water]
`;

const sorted = (rows: MeterTotal[]) => [...rows].sort((a, b) => a.meter.localeCompare(b.meter));
function expectSame(a: MeterTotal[], b: MeterTotal[]): void {
  expect(a.length).toBe(b.length);
  const [x, y] = [sorted(a), sorted(b)];
  x.forEach((r, i) => {
    const { quantity, ...rest } = r;
    const { quantity: q2, ...rest2 } = y[i]!;
    expect(rest).toEqual(rest2);
    expect(quantity).toBeCloseTo(q2, 6);
  });
}

describe('in-memory monthly usage totals', () => {
  const tmp = tempDir('zm-month-totals-');
  let ing: TestIngestor;
  let gw: CounterGateway;
  const months = [...localMonthStarts(2023).slice(0, 12), ...localMonthStarts(2024)];
  const periods: { from: number; to: number; wholeMonths: true }[] = [];
  for (let i = 0; i < months.length - 1; i++) for (const n of [1, 3, 12]) if (i + n < months.length) periods.push({ from: months[i]!, to: months[i + n]!, wholeMonths: true });

  beforeAll(async () => {
    const file = path.join(tmp.dir, 'registry.yaml');
    writeFileSync(file, REGISTRY);
    ing = await startTestIngestor({ gateways: [['tot', 'gw-1']], config: { registry: file } });
    gw = await connectCounterGateway(ing.mqttUrl, 'tot', 'gw-1', ing.passwords['gw-1']!);
    await gw.manifest(METERS);
    // Two years of six-hourly readings with a quiet spell in the water meter, in batches.
    const days = [...new Set([...localDays(2023), ...localDays(2024)])];
    const times = days.flatMap((d) => [d, d + 6 * H, d + 12 * H, d + 18 * H]);
    const quiet = (ts: number) => ts > Date.parse('2023-05-01') && ts < Date.parse('2023-09-01');
    const readings = counterReadings(times, [
      { meter: 'main', measurement: 'energy_import_kwh', start: 1000, usage: (i) => 240 + (i % 4) * 10 },
      { meter: 'light', measurement: 'energy_import_kwh', start: 50, usage: () => 45 },
      { meter: 'water', measurement: 'volume_m3', start: 10, usage: () => 1.8 },
    ]).filter((r) => r.meter !== 'water' || !quiet(r.ts));
    for (let i = 0; i < readings.length; i += 5_000) expect((await gw.send(readings.slice(i, i + 5_000))).status).toBe('ok');
    await ing.ingestor.usage.idle();
  }, 120_000);
  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    tmp.remove();
  });

  it('answers what InfluxDB answers for every whole-month period, from the usage service\'s writes', async () => {
    const live = new MonthTotals(ing.ingestor.influx, { refreshMs: 0 });
    // The ingestor's own copy: loaded on start (an empty database), then filled by record().
    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(metrics).toMatch(/^zm_usage_month_totals_ready 1$/m);
    expect(Number(/^zm_usage_month_totals_series (\d+)$/m.exec(metrics)![1])).toBe(3);
    const fromInflux = await meterTotals(ing.ingestor.influx, 'tot', periods);
    // And a copy loaded from InfluxDB as a restarted ingestor loads it.
    await live.load();
    // 24 months and the January the last day's readings reach into.
    expect(live.stats()).toMatchObject({ state: 'ready', series: 3, months: 3 * 25 });
    periods.forEach((p, i) => expectSame(live.totals('tot', p)!, fromInflux[i]!));
    // Through the API (summed by the ingestor's own copy, which record() filled), the annual
    // quantities are the sums of the months InfluxDB holds.
    for (const [year, at] of [[2023, 0], [2024, 12]] as const) {
      const body = await (await fetch(`${ing.url}/api/v1/sites/tot/indicators?year=${year}`)).json() as { total: { quantities: Record<string, { value: number | null }> } };
      const rows = fromInflux[periods.findIndex((p) => p.from === months[at] && p.to === months[at + 12])]!;
      for (const kind of ['electricity', 'water'] as const) {
        const main = rows.filter((r) => r.kind === kind && r.role === 'main').reduce((s, r) => s + r.quantity, 0);
        expect(body.total.quantities[kind]!.value, `${year} ${kind}`).toBeCloseTo(main, 6);
      }
    }
  });

  it('is not used for periods that are not whole months, nor before it has loaded', async () => {
    const fresh = new MonthTotals(ing.ingestor.influx, { refreshMs: 0 });
    expect(fresh.totals('tot', periods[0]!)).toBeNull();
    await fresh.load();
    expect(fresh.totals('tot', { from: months[0]!, to: months[0]! + 10 * 24 * H })).toBeNull();
    expect(fresh.totals('nowhere', periods[0]!)).toEqual([]);
  });

  it('takes up points written by other means on its next load, and keeps records made during a load', async () => {
    const m = new MonthTotals(ing.ingestor.influx, { refreshMs: 0 });
    await m.load();
    // A hand fix straight into InfluxDB: a meter that never reported through a gateway.
    const fixed = { site: 'tot', id: 'imported', building: 'b1', kind: 'heat', zone: 'logistics', end_use: 'total', role: 'main' } as const;
    await ing.ingestor.influx.write([usageLine(USAGE_1MO, usageSeries(fixed), months[3]!, { value: 12.5, estimated: 0, measuredMs: 86_400_000 })]);
    expect(m.totals('tot', { from: months[3]!, to: months[4]!, wholeMonths: true })!.some((r) => r.meter === 'imported')).toBe(false);
    const loading = m.load();
    m.record({ ...fixed, id: 'during' }, months[5]!, { value: 1, estimated: 0, measuredMs: 1000 });
    await loading;
    const after = m.totals('tot', { from: months[3]!, to: months[6]!, wholeMonths: true })!;
    expect(after.find((r) => r.meter === 'imported')).toMatchObject({ quantity: 12.5, measuredMs: 86_400_000, kind: 'heat' });
    expect(after.find((r) => r.meter === 'during')).toMatchObject({ quantity: 1, measuredMs: 1000 });
  });
});
