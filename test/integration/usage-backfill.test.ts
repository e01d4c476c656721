import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, Reading } from '../../core/index.ts';
import { connectCounterGateway, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, type TestIngestor } from '../support/harness.ts';

const H = 3_600_000, Q = 900_000;
const local = (iso: string) => Date.parse(`${iso}Z`) - 8 * H;
type Spec = Manifest['meters'][number];
const meter = (id: string): Spec => ({ id, building: 'main', kind: 'electricity', model: 'generic', zone: 'administrative', end_use: 'total', role: 'main', multiplier: 1 });

describe('usage derivation of a backfill behind live data, under a tight memory bound', () => {
  let ing: TestIngestor; let gw: CounterGateway;
  beforeAll(async () => {
    ing = await startTestIngestor({ gateways: [['s', 'gw-1']], config: { usage: { lateSettleSeconds: 1, maxQueuedReadings: 500 } } });
    gw = await connectCounterGateway(ing.mqttUrl, 's', 'gw-1', ing.passwords['gw-1']!);
    await gw.manifest(['a', 'b', 'c', 'd'].map(meter));
  });
  afterAll(async () => { await gw?.close(); await ing?.close(); });
  it('derives batches larger than the bound without losing the readings it had queued', async () => {
    const t0 = local('2023-01-01T00:00');
    const reading = (i: number): Reading => ({ meter: 'd', ts: t0 + i * Q, values: { energy_import_kwh: 1000 + i * 0.5 } });
    expect((await gw.send([reading(0), reading(1)])).status).toBe('ok');
    await ing.ingestor.usage.idle();
    // 500 of each batch wait in memory, the rest only mark where to re-derive from.
    for (let b = 0; b < 3; b++) expect((await gw.send(Array.from({ length: 2000 }, (_, i) => reading(2 + b * 2000 + i)))).status).toBe('ok');
    await ing.ingestor.usage.idle();
    const [s] = await ing.ingestor.influx.query(`SELECT count(value), sum(value) FROM usage WHERE meter='d'`);
    expect(s?.[0]?.values?.[0]?.slice(1)).toEqual([6001, expect.closeTo(6001 * 0.5, 6)]);
  });

  // Live readings every 15 minutes while nine months of hourly history arrive behind them, four
  // batches in flight: the queue bound is crossed again and again, so meters switch between the
  // in-memory paths and re-derivation from InfluxDB; not one bucket of the history may be lost.
  it('derives every bucket of the history exactly once', async () => {
    const ids = ['a', 'b', 'c'];
    const value = (t: number) => (t - local('2024-06-01T00:00')) / H * 2; // 2 kWh per hour
    const liveStart = local('2025-03-01T00:00');
    let liveT = liveStart;
    const liveBatch = (): Reading[] => { const out: Reading[] = []; for (let i = 0; i < 4; i++, liveT += Q) for (const m of ids) out.push({ meter: m, ts: liveT, values: { energy_import_kwh: value(liveT) } }); return out; };
    await gw.send(liveBatch());
    await new Promise((r) => setTimeout(r, 300));
    const back: Reading[] = [];
    for (let t = local('2024-06-01T00:00'); t < liveStart; t += H) for (const m of ids) back.push({ meter: m, ts: t, values: { energy_import_kwh: value(t) } });
    let stop = false;
    const live = (async () => { while (!stop) { await gw.send(liveBatch()); await new Promise((r) => setTimeout(r, 100)); } })();
    const inflight = new Set<Promise<unknown>>();
    for (let i = 0; i < back.length; i += 600) {
      const p = gw.send(back.slice(i, i + 600)); inflight.add(p); void p.then(() => inflight.delete(p));
      if (inflight.size >= 4) await Promise.race(inflight);
    }
    await Promise.all(inflight); stop = true; await live;
    await ing.ingestor.usage.idle();
    for (const m of ids) {
      const [s] = await ing.ingestor.influx.query(`SELECT count(value), sum(value), sum(measured_s) FROM usage WHERE meter='${m}' AND time >= ${local('2024-06-01T00:00')}ms AND time < ${liveStart}ms`);
      const v = s?.[0]?.values?.[0];
      expect(v?.[1]).toBe((liveStart - local('2024-06-01T00:00')) / Q);
      expect(v?.[2]).toBeCloseTo(value(liveStart), 3);
    }
  }, 120_000);
});
