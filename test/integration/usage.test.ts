import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Manifest, Reading } from '../../core/index.ts';
import { InfluxClient, rows } from '../../ingestor/store/influx.ts';
import { connectCounterGateway, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, tempDir, uniqueDb, type TestIngestor } from '../support/harness.ts';

// Counter readings through MQTT → ingestor → usage, usage_1h, usage_1d in InfluxDB → /api/v1/usage.
const M = 60_000;
const T0 = Date.UTC(2026, 10, 20, 0, 0); // 08:00 on 20 Nov in UTC+8; the local day began at T0 − 8 h
const LOCAL_DAY = T0 - 8 * 60 * M;
const DAY = 24 * 60 * M;

const meter = (id: string, kind: 'electricity' | 'water', model: string, extra: Partial<Manifest['meters'][number]> = {}): Manifest['meters'][number] => ({
  id, building: 'hall', kind, model, zone: 'business', end_use: kind === 'water' ? 'total' : 'lighting_sockets', role: 'sub', multiplier: 1, ...extra,
});
const METERS = [
  meter('e1', 'electricity', 'SDM630', { facility: 'canteen' }),
  meter('e2', 'electricity', 'DDS666', { zone: 'administrative' }),
  meter('w1', 'water', 'LXSY'),
];
const kwh = (id: string, ts: number, v: number) => ({ meter: id, ts, values: { energy_import_kwh: v } });
const m3 = (id: string, ts: number, v: number) => ({ meter: id, ts, values: { volume_m3: v } });

describe('usage from counters', () => {
  const data = tempDir('zm-usage-');
  const db = uniqueDb('usage');
  let ing: TestIngestor;
  let gw: CounterGateway;
  const config = { dataDir: data.dir, influx: { url: inject('influxUrl'), database: db, flushMs: 10 }, usage: { rollover: { DDS666: { energy_import_kwh: 100_000 } } } };

  async function start() {
    ing = await startTestIngestor({ gateways: [['s1', 'gw-1']], config });
    gw = await connectCounterGateway(ing.mqttUrl, 's1', 'gw-1', ing.passwords['gw-1']!);
  }
  async function send(readings: Reading[]) {
    const ack = await gw.send(readings);
    expect(ack.status).toBe('ok');
    await ing.ingestor.usage.idle();
  }
  async function usage(params: Record<string, string>) {
    const res = await fetch(`${ing.url}/api/v1/usage?${new URLSearchParams({ site: 's1', ...params })}`);
    return { status: res.status, body: (await res.json()) as { series: { kind: string; meter?: string; zone?: string; unit: string; total: { value: number; unit: string }; points: { ts: number; value: number }[] }[] } & { code?: string } };
  }
  const seriesOf = async (params: Record<string, string>, key: string, value: string) => {
    const { body } = await usage(params);
    const s = body.series.find((x) => (x as Record<string, unknown>)[key] === value);
    return Object.fromEntries((s?.points ?? []).map((p) => [(p.ts - T0) / M, p.value]));
  };

  beforeAll(async () => {
    await start();
    await gw.manifest(METERS);
  });
  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    data.remove();
  });

  it('apportions counter steps to 15-minute buckets, across a gap and a register rollover', async () => {
    await send([
      kwh('e1', T0, 1000), kwh('e1', T0 + 15 * M, 1010), kwh('e1', T0 + 30 * M, 1030), kwh('e1', T0 + 60 * M, 1040),
      kwh('e2', T0, 99_990), kwh('e2', T0 + 15 * M, 99_998), kwh('e2', T0 + 30 * M, 3), kwh('e2', T0 + 45 * M, 10),
    ]);
    // e1: 1010−1000, 1030−1010, then 10 over 30 min split evenly over two buckets.
    expect(await seriesOf({ from: String(T0), to: String(T0 + 2 * 60 * M), interval: '15m', by: 'meter' }, 'meter', 'e1')).toEqual({ 0: 10, 15: 20, 30: 5, 45: 5 });
    // e2 wraps at 100 000: 100000 − 99998 + 3 = 5, then 10 − 3 = 7.
    const e2 = await seriesOf({ from: String(T0), to: String(T0 + 2 * 60 * M), interval: '15m', by: 'meter' }, 'meter', 'e2');
    expect(e2[0]).toBeCloseTo(8, 9);
    expect(e2[15]).toBeCloseTo(5, 9);
    expect(e2[30]).toBeCloseTo(7, 9);
    // The hour, electricity: e1 40 + e2 20.
    const hour = await usage({ from: new Date(T0).toISOString(), to: new Date(T0 + 60 * M).toISOString(), interval: '1h', by: 'kind' });
    expect(hour.body.series).toHaveLength(1);
    expect(hour.body.series[0]!.unit).toBe('kWh');
    expect(hour.body.series[0]!.total.value).toBeCloseTo(60, 9);
  });

  it('counts across a meter replacement from the manifest', async () => {
    await send([m3('w1', T0, 500), m3('w1', T0 + 15 * M, 502)]);
    await gw.manifest(METERS, [{ meter: 'w1', at: T0 + 20 * M, old_final: { volume_m3: 503 }, new_first: { volume_m3: 0 } }]);
    await send([m3('w1', T0 + 30 * M, 1.5), m3('w1', T0 + 45 * M, 4)]);
    // (503 − 502) + (1.5 − 0) = 2.5 in the bucket of the swap, then 4 − 1.5 = 2.5.
    const w = await seriesOf({ from: String(T0), to: String(T0 + 60 * M), interval: '15m', by: 'meter' }, 'meter', 'w1');
    expect(w).toEqual({ 0: 2, 15: 2.5, 30: 2.5 });
    const { body } = await usage({ from: String(T0), to: String(T0 + 60 * M), interval: '1h', by: 'kind' });
    const water = body.series.find((s) => s.kind === 'water')!;
    expect(water.unit).toBe('m³');
    expect(water.total.value).toBeCloseTo(7, 9);
  });

  it('re-derives when a replayed backlog arrives after newer live readings', async () => {
    await send([kwh('e1', T0 + 120 * M, 1100), kwh('e1', T0 + 135 * M, 1110)]);
    // Live first: 60 over an hour with no readings, 15 per bucket.
    expect(await seriesOf({ from: String(T0 + 60 * M), to: String(T0 + 150 * M), interval: '15m', by: 'meter' }, 'meter', 'e1')).toEqual({ 60: 15, 75: 15, 90: 15, 105: 15, 120: 10 });
    await send([kwh('e1', T0 + 75 * M, 1045), kwh('e1', T0 + 90 * M, 1050), kwh('e1', T0 + 105 * M, 1060)]);
    // With the backlog: 1045−1040, 1050−1045, 1060−1050, 1100−1060, 1110−1100.
    expect(await seriesOf({ from: String(T0), to: String(T0 + 150 * M), interval: '15m', by: 'meter' }, 'meter', 'e1')).toEqual({ 0: 10, 15: 20, 30: 5, 45: 5, 60: 5, 75: 5, 90: 10, 105: 40, 120: 10 });
    const hours = await seriesOf({ from: String(T0), to: String(T0 + 3 * 60 * M), interval: '1h', by: 'meter' }, 'meter', 'e1');
    expect(hours).toEqual({ 0: 40, 60: 60, 120: 10 });
  });

  it('keeps local-day rollups across midnight and continues after a restart from saved state', async () => {
    await gw.close();
    await ing.close();
    await start();
    // 55 kWh over 14 h = 56 buckets; 55 of them before local midnight (T0 + 16 h), one after.
    await send([kwh('e1', T0 + 16 * 60 * M + 15 * M, 1165)]);
    const days = await usage({ from: String(LOCAL_DAY), to: String(LOCAL_DAY + 2 * DAY), interval: '1d', by: 'meter' });
    const e1 = days.body.series.find((s) => s.meter === 'e1')!;
    expect(e1.points.map((p) => p.ts)).toEqual([LOCAL_DAY, LOCAL_DAY + DAY]);
    expect(e1.points[0]!.value).toBeCloseTo(110 + (55 * 55) / 56, 9);
    expect(e1.points[1]!.value).toBeCloseTo(55 / 56, 9);
    expect(e1.total.value).toBeCloseTo(165, 9);
    const e2 = days.body.series.find((s) => s.meter === 'e2')!;
    expect(e2.points[0]!.value).toBeCloseTo(20, 9);
  });

  it('stores usage with the meter tags, and rejects bad queries with a code', async () => {
    const influx = new InfluxClient({ ...ing.config.influx });
    const [series] = await influx.query(`SELECT "value", "facility", "role", "zone", "end_use", "building" FROM "usage" WHERE "meter" = 'e1' AND time = ${T0}ms`);
    expect(rows(series?.[0])).toMatchObject([{ value: 10, facility: 'canteen', role: 'sub', zone: 'business', end_use: 'lighting_sockets', building: 'hall' }]);
    const bad = await usage({ from: 'yesterday', to: String(T0), interval: '1h' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('ERR_BAD_REQUEST');
    const backwards = await usage({ from: String(T0 + M), to: String(T0) });
    expect(backwards.status).toBe(400);
  });
});
