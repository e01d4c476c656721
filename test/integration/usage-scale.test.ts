import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../core/index.ts';
import { connectCounterGateway, counterReadings, localDays, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, type TestIngestor } from '../support/harness.ts';

// Usage derivation at the sizes and shapes real sites send, through the ingestor's MQTT path into
// the suite's influxd, each checked against figures computed here from the counters sent.
const H = 3_600_000;
const Q = 15 * 60_000;
const local = (iso: string) => Date.parse(`${iso}Z`) - 8 * H;
const yearOf = (ts: number) => new Date(ts + 8 * H).getUTCFullYear();

type Spec = Manifest['meters'][number];
const meter = (id: string, kind: Spec['kind'], extra: Partial<Spec> = {}): Spec => ({
  id, building: 'main', kind, model: 'generic', zone: 'administrative', end_use: 'total', role: 'main', multiplier: 1, ...extra,
});

interface Row { time: number; value: number; estimated: number; measured_s: number }

describe('usage derivation at scale', () => {
  let ing: TestIngestor;
  let gw: CounterGateway;

  const rows = async (measurement: string, id: string): Promise<Row[]> => {
    const [series] = await ing.ingestor.influx.query(`SELECT "value", "estimated", "measured_s" FROM "${measurement}" WHERE "meter" = '${id}'`);
    return (series?.[0]?.values ?? []).map((v) => ({ time: v[0] as number, value: v[1] as number, estimated: (v[2] as number | null) ?? 0, measured_s: (v[3] as number | null) ?? 0 }));
  };
  const total = (r: Row[]) => r.reduce((s, x) => s + x.value, 0);

  beforeAll(async () => {
    ing = await startTestIngestor({ gateways: [['s', 'gw-1']], config: { usage: { lateSettleSeconds: 1 } } });
    gw = await connectCounterGateway(ing.mqttUrl, 's', 'gw-1', ing.passwords['gw-1']!);
    await gw.manifest([
      meter('e-big', 'electricity'), meter('w-daily', 'water'), meter('e-gap', 'electricity'),
      meter('e-jump', 'electricity', { max_power_kw: 50 }), meter('e-late', 'electricity'), meter('e-fail', 'electricity'),
      meter('e-queue', 'electricity'),
    ]);
  }, 30_000);
  afterAll(async () => {
    await gw?.close();
    await ing?.close();
  });

  it('derives a 10,000-reading batch of one meter into every rollup', async () => {
    const t0 = local('2023-03-01T00:00');
    const step = (i: number) => 1 + (i % 7) * 0.25;
    const readings = counterReadings(Array.from({ length: 10_000 }, (_, i) => t0 + i * Q), [{ meter: 'e-big', measurement: 'energy_import_kwh', start: 1000, usage: step }]);
    expect((await gw.send(readings)).status).toBe('ok');
    await ing.ingestor.usage.idle();
    let want = 0;
    for (let i = 0; i < 9_999; i++) want += step(i);
    for (const m of ['usage', 'usage_1h', 'usage_1d', 'usage_1mo']) expect(total(await rows(m, 'e-big')), m).toBeCloseTo(want, 6);
    // 2023-03-02 local: steps 96..191, fully measured.
    const day = (await rows('usage_1d', 'e-big')).find((r) => r.time === local('2023-03-02T00:00'))!;
    let dayWant = 0;
    for (let i = 96; i < 192; i++) dayWant += step(i);
    expect(day).toMatchObject({ value: expect.closeTo(dayWant, 9), estimated: 0, measured_s: 86_400 });
  });

  it('derives a whole year of daily readings sent in one batch, month by month', async () => {
    const days = localDays(2024); // 367 local midnights: every day of 2024 and 2025-01-01
    const perDay = (i: number) => 10 + (i % 30);
    expect((await gw.send(counterReadings(days, [{ meter: 'w-daily', measurement: 'volume_m3', start: 50, usage: perDay }]))).status).toBe('ok');
    await ing.ingestor.usage.idle();
    const months = await rows('usage_1mo', 'w-daily');
    expect(months).toHaveLength(12);
    for (let m = 0; m < 12; m++) {
      const from = local(`2024-${String(m + 1).padStart(2, '0')}-01T00:00`);
      const to = m === 11 ? local('2025-01-01T00:00') : local(`2024-${String(m + 2).padStart(2, '0')}-01T00:00`);
      let want = 0;
      days.forEach((t, i) => { if (t >= from && t < to) want += perDay(i); });
      // Steps of exactly 24 h are measurements: the month is complete.
      expect(months[m], `month ${m + 1}`).toMatchObject({ time: from, value: expect.closeTo(want, 6), estimated: 0, measured_s: (to - from) / 1000 });
    }
  });

  it('apportions two readings five years apart over the years they span, as estimated usage', async () => {
    const from = local('2019-07-01T00:00'), to = local('2024-07-01T00:00');
    const hours = (to - from) / H; // 43,848: 1 kWh per hour over the gap
    expect((await gw.send([{ meter: 'e-gap', ts: from, values: { energy_import_kwh: 100 } }, { meter: 'e-gap', ts: to, values: { energy_import_kwh: 100 + hours } }])).status).toBe('ok');
    await ing.ingestor.usage.idle();
    const months = await rows('usage_1mo', 'e-gap');
    expect(months).toHaveLength(60);
    const byYear = new Map<number, number>();
    for (const r of months) byYear.set(yearOf(r.time), (byYear.get(yearOf(r.time)) ?? 0) + r.value);
    // Local days in each year's part of the span × 24 kWh.
    expect(Object.fromEntries([...byYear].map(([y, v]) => [y, Math.round(v * 1e6) / 1e6]))).toEqual({ 2019: 184 * 24, 2020: 366 * 24, 2021: 365 * 24, 2022: 365 * 24, 2023: 365 * 24, 2024: 182 * 24 });
    expect(total(months)).toBeCloseTo(hours, 6);
    for (const r of months) expect(r).toMatchObject({ estimated: expect.closeTo(r.value, 9), measured_s: 0 });
    expect(total(await rows('usage', 'e-gap'))).toBeCloseTo(hours, 6);
  });

  it('refuses a counter jump beyond the rated maximum, also when the meter is re-derived', async () => {
    const t0 = local('2022-05-10T00:00');
    const readings = counterReadings(Array.from({ length: 97 }, (_, i) => t0 + i * Q), [{ meter: 'e-jump', measurement: 'energy_import_kwh', start: 500, usage: () => 2 }]);
    readings[40] = { ...readings[40]!, values: { energy_import_kwh: 99_999_999 } };
    expect((await gw.send(readings)).status).toBe('ok');
    await ing.ingestor.usage.idle();
    expect(total(await rows('usage_1d', 'e-jump'))).toBeCloseTo(192, 9);
    // A late reading makes the meter re-derive from the stored readings, spike included.
    expect((await gw.send([{ meter: 'e-jump', ts: t0 + 10 * Q + 60_000, values: { energy_import_kwh: 520.1 } }])).status).toBe('ok');
    await ing.ingestor.usage.idle();
    expect(total(await rows('usage_1d', 'e-jump'))).toBeCloseTo(192, 9);
    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(Number(/^zm_usage_counter_jumps_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('backfills history behind live data: the gap is filled, counted once, and measured', async () => {
    const liveFrom = local('2025-03-01T00:00');
    const live = counterReadings(Array.from({ length: 25 }, (_, i) => liveFrom + i * Q), [{ meter: 'e-late', measurement: 'energy_import_kwh', start: 2688, usage: () => 1 }]);
    expect((await gw.send(live)).status).toBe('ok');
    await ing.ingestor.usage.idle();
    // February 2025, hourly at 4 kWh, sent a week at a time after the live data.
    const backFrom = local('2025-02-01T00:00');
    const history = counterReadings(Array.from({ length: 672 }, (_, i) => backFrom + i * H), [{ meter: 'e-late', measurement: 'energy_import_kwh', start: 0, usage: () => 4 }]);
    for (let w = 0; w < 4; w++) expect((await gw.send(history.slice(w * 168, (w + 1) * 168))).status).toBe('ok');
    await ing.ingestor.usage.idle();
    const months = await rows('usage_1mo', 'e-late');
    expect(months.find((r) => r.time === backFrom)).toMatchObject({ value: expect.closeTo(2688, 6), estimated: 0, measured_s: 28 * 86_400 });
    expect(months.find((r) => r.time === liveFrom)).toMatchObject({ value: expect.closeTo(24, 6), estimated: 0 });
    const days = (await rows('usage_1d', 'e-late')).filter((r) => r.time < liveFrom);
    expect(days).toHaveLength(28);
    for (const d of days) expect(d.value).toBeCloseTo(96, 6);
    expect(total(await rows('usage', 'e-late'))).toBeCloseTo(2688 + 24, 6);
    expect(ing.ingestor.usage.counters.deferred).toBeGreaterThan(0);
  });

  it('derives a meter with the whole queue bound of readings waiting (200,000), from memory', async () => {
    // As if InfluxDB had accepted them all while derivation was busy elsewhere: one meter's queue
    // then holds more readings than a call takes arguments.
    const known = ing.ingestor.directory.meter('s', 'e-queue')!;
    const t0 = local('2016-01-01T00:00');
    const n = 200_000;
    const stored = Array.from({ length: n }, (_, i) => ({ meter: known, reading: { meter: 'e-queue', ts: t0 + i * 60_000, values: { energy_import_kwh: 5 + i * 0.5 } } }));
    const errors = ing.ingestor.usage.counters.errors;
    ing.ingestor.usage.onStored(stored);
    await ing.ingestor.usage.idle();
    expect(ing.ingestor.usage.counters.errors).toBe(errors);
    expect(total(await rows('usage_1mo', 'e-queue'))).toBeCloseTo((n - 1) * 0.5, 6);
  });

  it('queues a meter whose derivation fails, counts it, and says so on /healthz', async () => {
    // A string-typed measured_s in 2017's shard makes InfluxDB refuse every usage point there.
    await ing.ingestor.influx.write([`usage,meter=conflict measured_s="x" ${local('2017-06-01T00:00')}`]);
    const t0 = local('2017-06-02T00:00');
    const readings = counterReadings(Array.from({ length: 8 }, (_, i) => t0 + i * Q), [{ meter: 'e-fail', measurement: 'energy_import_kwh', start: 10, usage: () => 1 }]);
    const before = ing.ingestor.usage.counters.errors;
    expect((await gw.send(readings)).status).toBe('ok');
    const until = Date.now() + 20_000;
    while (ing.ingestor.usage.counters.errors === before && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(ing.ingestor.usage.counters.errors).toBeGreaterThan(before);
    const health = (await (await fetch(`${ing.url}/healthz`)).json()) as { status: string; usage: { status: string; failing_meters: number } };
    expect(health.status).toBe('degraded');
    expect(health.usage).toMatchObject({ status: 'degraded', failing_meters: 1 });
    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(metrics).toMatch(/^zm_usage_failing_meters 1$/m);
    expect(Number(/^zm_usage_failures_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^zm_usage_backlog_seconds /m);
  });
});
