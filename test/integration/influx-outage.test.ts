import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type ManagedInfluxd } from '../../cli/influxd.ts';
import { startTestIngestor, tempDir, waitFor, type TestIngestor } from '../support/harness.ts';
import { connectGateway, reading, type GatewayClient } from '../support/mqtt-gateway.ts';

const METERS = ['m1', 'm2', 'm3'];
const BEFORE = 20;
const DURING = 20;

// A second influxd of this file's own: it is stopped and started again mid-stream, which the
// run's shared influxd must never be.
describe('InfluxDB outage', () => {
  const dir = tempDir('zm-influxd-outage-');
  let influxd: ManagedInfluxd;
  let ing: TestIngestor;
  let gw: GatewayClient;
  const base = Date.now() - 3_600_000;

  beforeAll(async () => {
    influxd = await startInfluxd({ dir: dir.dir });
    ing = await startTestIngestor({ config: { influx: { url: influxd.url, database: 'outage', flushMs: 10 } } });
    // Like the real uplink, the test gateway resends what stays unacked: duplicates must not double.
    gw = await connectGateway({ url: ing.mqttUrl, site: 'site-a', gateway: 'gw-1', password: ing.passwords['gw-1'], resendAfterMs: 1000 });
    await gw.publishManifest(METERS);
    await waitFor(() => ing.ingestor.directory.meter('site-a', 'm3'), { what: 'manifest' });
  });

  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    await influxd?.stop();
    dir.remove();
  });

  const send = (seq: number) => {
    void gw.publishBatch(seq, METERS.map((m, i) => reading(m, base + seq * 1000, seq * 10 + i))).catch(() => undefined);
  };

  it('acks nothing while InfluxDB is down, then stores every reading exactly once', async () => {
    for (let s = 1; s <= BEFORE; s++) send(s);
    await waitFor(() => (gw.acked.size === BEFORE ? true : undefined), { what: 'acks before the outage' });

    await influxd.stop();
    for (let s = BEFORE + 1; s <= BEFORE + DURING; s++) send(s);
    await waitFor(() => (gw.stats.resent > 0 ? true : undefined), { what: 'a resend while InfluxDB is down' });
    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(Number(/^zm_influx_write_retries_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    const health = await fetch(`${ing.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', influx: 'down' });
    // Nothing acked past the outage: the gateway would have dropped readings InfluxDB never took.
    expect([...gw.acked.keys()].every((s) => s <= BEFORE)).toBe(true);

    const port = Number(new URL(influxd.url).port);
    influxd = await startInfluxd({ dir: dir.dir, port });
    await waitFor(() => (gw.acked.size === BEFORE + DURING ? true : undefined), { what: 'every batch acked', timeoutMs: 30_000 });
    for (let s = 1; s <= BEFORE + DURING; s++) expect(gw.acked.get(s), `seq ${s}`).toMatchObject({ status: 'ok', stored: METERS.length });

    // Count by series (every tag) and time: one series per meter, one point per batch in each.
    const [series] = await ing.ingestor.influx.query('SELECT count(energy_import_kwh) FROM reading GROUP BY *');
    expect(series).toHaveLength(METERS.length);
    for (const s of series!) expect(s.values[0]![1], JSON.stringify(s.tags)).toBe(BEFORE + DURING);
    const [points] = await ing.ingestor.influx.query(`SELECT energy_import_kwh FROM reading WHERE meter = 'm2'`);
    const times = points![0]!.values.map((v) => v[0]);
    expect(times).toEqual(Array.from({ length: BEFORE + DURING }, (_, i) => base + (i + 1) * 1000));
    expect(points![0]!.values.map((v) => v[1])).toEqual(Array.from({ length: BEFORE + DURING }, (_, i) => (i + 1) * 10 + 1));
  });
});
