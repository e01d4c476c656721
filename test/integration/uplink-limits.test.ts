import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { parseConfig, topics } from '../../core/index.ts';
import { build, type Gateway } from '../../gateway/app.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { openJournal } from '../../gateway/journal/index.ts';
import { startTestIngestor, tempDir, waitFor, type TestIngestor } from '../support/harness.ts';

const MAX_PACKET = 16 * 1024;
const RECORDS = 3000;

/** A TCP relay to the broker whose connections the test can cut, as a flaky link would. */
async function relay(target: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((a) => {
    const b = net.connect(target, '127.0.0.1');
    for (const s of [a, b]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    a.pipe(b).pipe(a);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () => new Promise((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }),
  };
}

// The gateway's batch size and the broker's packet limit are set by different people in
// different files. The gateway must learn the broker's limit, split what does not fit, and
// never trip over its own connection going away mid-read.
describe('uplink: limits agree, and the read/close race is gone', () => {
  const tmp = tempDir('zm-uplink-limits-');
  let ing: TestIngestor;
  const gateways: Gateway[] = [];
  const base = Date.now() - 3_600_000;

  beforeAll(async () => {
    ing = await startTestIngestor({
      gateways: [['site-a', 'gw-learn'], ['site-a', 'gw-split'], ['site-a', 'gw-race']],
      config: { mqtt: { host: '127.0.0.1', port: 0, maxPacketBytes: MAX_PACKET } },
    });
  });

  afterAll(async () => {
    for (const g of gateways) await g.close();
    await ing?.close();
    tmp.remove();
  });

  /** A gateway whose journal already holds RECORDS readings of its meter (its bus leads nowhere). */
  async function gateway(id: string, uplinkUrl: string, maxBytes = 1024 * 1024): Promise<Gateway> {
    const dir = path.join(tmp.dir, id);
    const j = await openJournal({ dir, maxBytes: 1 << 30, segmentBytes: 4 << 20, fsyncIntervalMs: 0 });
    const values = { energy_import_kwh: 0, power_kw: 12.5, voltage_l1_v: 230.1, current_l1_a: 18.2, power_factor: 0.97 };
    j.append(Array.from({ length: RECORDS }, (_, i) => ({ meter: `${id}-m1`, ts: base + i * 1000, values: { ...values, energy_import_kwh: 1000 + i / 100 } })));
    await j.close();
    const config = parseConfig(GatewayConfigSchema, {
      site: 'site-a', gateway: id, building: 'main-hall', http: '127.0.0.1:0',
      uplink: { url: uplinkUrl, username: id, password: ing.passwords[id], batch: { maxBytes, maxReadings: 5000 } },
      journal: { dir, fsyncIntervalMs: 50 },
      buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: await freePort() }],
      meters: [{ id: `${id}-m1`, bus: 'tcp-1', unitId: 1, model: 'SDM630', zone: 'administrative', endUse: 'total', intervalMs: 60_000 }],
    }, id);
    const gw = await build(config, { log: pino({ level: 'silent' }) });
    gateways.push(gw);
    return gw;
  }
  const stored = async (meter: string) => {
    const [series] = await ing.ingestor.influx.query(`SELECT count(energy_import_kwh) FROM reading WHERE meter = '${meter}'`);
    return (series?.[0]?.values[0]?.[1] as number | undefined) ?? 0;
  };

  it('learns the broker\'s limit from the retained limits message and never sends a batch over it', async () => {
    const gw = await gateway('gw-learn', ing.mqttUrl);
    const url = await gw.start();
    await waitFor(() => (gw.journal.stats().ackedSeq === RECORDS ? true : undefined), { what: 'every record acked', timeoutMs: 30_000 });
    expect(gw.uplink.stats).toMatchObject({ brokerMaxPacketBytes: MAX_PACKET, reconnects: 0 });
    expect(gw.uplink.stats.maxBatchBytes).toBeLessThanOrEqual(MAX_PACKET - 512);
    expect(ing.ingestor.broker!.counters.oversizePackets).toBe(0);
    expect(await stored('gw-learn-m1')).toBe(RECORDS);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(Number(/^zm_uplink_max_batch_bytes (\d+)$/m.exec(metrics)?.[1])).toBe(gw.uplink.stats.maxBatchBytes);
  });

  it('without a limits message, splits a batch the broker refused for size instead of resending it whole', async () => {
    // An external broker publishes no limits: clear the retained message to be one.
    await ing.ingestor.bus.publish(topics.limits('site-a', 'gw-split'), '', { qos: 1, retain: true });
    const before = ing.ingestor.broker!.counters.oversizePackets;
    const gw = await gateway('gw-split', ing.mqttUrl);
    await gw.start();
    await waitFor(() => (gw.journal.stats().ackedSeq === RECORDS ? true : undefined), { what: 'every record acked', timeoutMs: 40_000 });
    const refused = ing.ingestor.broker!.counters.oversizePackets - before;
    console.log(`uplink without limits: ${refused} batches refused for size, ${gw.uplink.stats.reconnects} reconnects, batches now ≤ ${gw.uplink.stats.maxBatchBytes} bytes`);
    expect(gw.uplink.stats.brokerMaxPacketBytes).toBeNull();
    // Each refusal halves the size: from 1 MiB to under 16 KiB takes a handful, not one per minute forever.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(8);
    expect(await stored('gw-split-m1')).toBe(RECORDS);
  }, 60_000);

  it('survives its connection closing while a journal read waits, and delivers everything after', async () => {
    const link = await relay(ing.ingestor.broker!.port);
    // Batches within the broker's limit from the start: this test is about the race alone.
    const gw = await gateway('gw-race', `mqtt://127.0.0.1:${link.port}`, 8 * 1024);
    // Hold the uplink's next journal read until the connection it was made for is gone.
    const read = gw.journal.read.bind(gw.journal);
    let hold: (() => void) | null = null;
    let armed = false;
    gw.journal.read = async (...args) => {
      if (armed) {
        armed = false;
        await new Promise<void>((r) => { hold = r; });
      }
      return read(...args);
    };
    await gw.start();
    await waitFor(() => (gw.journal.stats().ackedSeq > 0 ? true : undefined), { what: 'a first ack' });
    armed = true;
    await waitFor(() => (hold ? true : undefined), { what: 'a read held' });
    link.cut();
    await waitFor(() => (gw.uplink.stats.state !== 'online' ? true : undefined), { what: 'the uplink to notice the cut' });
    hold!();
    await waitFor(() => (gw.journal.stats().ackedSeq === RECORDS ? true : undefined), { what: 'every record acked after the cut', timeoutMs: 30_000 });
    expect(gw.uplink.stats.lastError ?? '').not.toMatch(/Cannot read properties of null/);
    expect(gw.uplink.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(await stored('gw-race-m1')).toBe(RECORDS);
    await link.close();
  }, 60_000);
});
