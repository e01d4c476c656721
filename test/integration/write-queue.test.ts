import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type ManagedInfluxd } from '../../cli/influxd.ts';
import { startTestIngestor, tempDir, waitFor, type TestIngestor } from '../support/harness.ts';
import { connectGateway, reading, type GatewayClient } from '../support/mqtt-gateway.ts';

const METERS = Array.from({ length: 8 }, (_, i) => `m${i + 1}`);
const MiB = 1024 * 1024;

// InfluxDB goes away while gateways keep resending their unacked windows. The write queue holds
// one copy of each point, refuses what would take it past its byte bound (no ack, so the
// gateway keeps the batch), and once InfluxDB is back every reading is stored exactly once.
describe('InfluxDB write queue: de-duplicated and bounded', () => {
  const dir = tempDir('zm-influxd-queue-');
  let influxd: ManagedInfluxd;
  let ing: TestIngestor;
  let gw: GatewayClient;
  const base = Date.now() - 3_600_000;

  beforeAll(async () => {
    influxd = await startInfluxd({ dir: dir.dir });
    ing = await startTestIngestor({ config: { influx: { url: influxd.url, database: 'queue', flushMs: 10, maxPendingBytes: MiB } } });
    gw = await connectGateway({ url: ing.mqttUrl, site: 'site-a', gateway: 'gw-1', password: ing.passwords['gw-1'], resendAfterMs: 2000 });
    await gw.publishManifest(METERS);
    await waitFor(() => ing.ingestor.directory.meter('site-a', 'm8'), { what: 'manifest' });
  });

  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    await influxd?.stop();
    dir.remove();
  });

  const batch = (seq: number, perMeter: number) => METERS.flatMap((m, i) => Array.from({ length: perMeter }, (_, k) => reading(m, base + seq * 60_000 + k * 100, seq * 1000 + k + i / 10)));

  /**
   * One connection of the gateway publishing `seqs`. aedes reads a connection's next packets only
   * once the ones before are handled, so a gateway whose batches hang on InfluxDB stops being
   * read, its keep-alive lapses and it reconnects and sends its window again: each reconnect is
   * another copy of every unacked batch, which is what piled up before.
   */
  async function session(seqs: number[], perMeter: (s: number) => number): Promise<GatewayClient> {
    const c = await connectGateway({ url: ing.mqttUrl, site: 'site-a', gateway: 'gw-1', password: ing.passwords['gw-1'] });
    // Not awaited: the broker's PUBACK waits for the ingestor, which waits for InfluxDB.
    for (const s of seqs) void c.publishBatch(s, batch(s, perMeter(s))).catch(() => undefined);
    return c;
  }
  const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await (await fetch(`${ing.url}/metrics`)).text())?.[1]);
  const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('queues each point once however often the gateway reconnects and resends', async () => {
    await influxd.stop();
    // 10 batches of 80 readings: 800 distinct points, sent on 5 connections one after the other.
    for (let round = 0; round < 5; round++) {
      const c = await session(seqs(1, 10), () => 10);
      await waitFor(async () => ((await metric('zm_influx_duplicate_points_skipped_total')) >= round * 800 ? true : undefined), { what: `round ${round} handled` });
      await c.close();
    }
    const pending = await metric('zm_influx_pending_points');
    const dups = await metric('zm_influx_duplicate_points_skipped_total');
    console.log(`write queue while InfluxDB is down: 5 sends of 10 batches, ${pending} points pending for 800 distinct readings, ${dups} duplicates skipped`);
    expect(pending).toBe(800);
    expect(dups).toBe(4 * 800);
    expect(gw.acked.size).toBe(0);
  });

  it('refuses (leaves unacked) what would take it past maxPendingBytes, then stores it all once InfluxDB is back', async () => {
    // ~3 MB more of distinct points: more than the 1 MiB bound takes.
    const c = await session(seqs(11, 20), () => 200);
    await waitFor(async () => ((await metric('zm_influx_queue_full_total')) > 0 ? true : undefined), { what: 'a refusal for a full queue' });
    expect(ing.ingestor.pipeline.counters.unackedFull).toBeGreaterThan(0);
    expect(await metric('zm_influx_pending_bytes')).toBeLessThanOrEqual(MiB);
    await c.close();

    const port = Number(new URL(influxd.url).port);
    influxd = await startInfluxd({ dir: dir.dir, port });
    // The gateway's own resend after the outage: every batch is acked once stored.
    for (let s = 1; s <= 20; s++) void gw.publishBatch(s, batch(s, s <= 10 ? 10 : 200)).catch(() => undefined);
    await waitFor(() => (gw.acked.size === 20 ? true : undefined), { what: 'every batch acked', timeoutMs: 40_000 });
    for (const [s, ack] of gw.acked) expect(ack, `seq ${s}`).toMatchObject({ status: 'ok', stored: s <= 10 ? 80 : 1600 });
    const [series] = await ing.ingestor.influx.query('SELECT count(energy_import_kwh) FROM reading GROUP BY meter');
    const counts = Object.fromEntries((series ?? []).map((x) => [x.tags!.meter, x.values[0]![1]]));
    for (const mtr of METERS) expect(counts[mtr], mtr).toBe(10 * 10 + 10 * 200);
  }, 60_000);
});
