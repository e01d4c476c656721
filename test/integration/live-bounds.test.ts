import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_MAX_STREAMS } from '../../ingestor/api/live.ts';
import { startTestIngestor, waitFor, type TestIngestor } from '../support/harness.ts';
import { connectGateway, reading, type GatewayClient } from '../support/mqtt-gateway.ts';

// The live stream is a buffer the ingestor keeps for someone else: a reader that never reads
// must cost at most the bound, however many readings a gateway sends meanwhile.
describe('live stream bounds', () => {
  let ing: TestIngestor;
  let gw: GatewayClient;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    ing = await startTestIngestor();
    gw = await connectGateway({ url: ing.mqttUrl, site: 'site-a', gateway: 'gw-1', password: ing.passwords['gw-1'] });
    await gw.publishManifest(Array.from({ length: 50 }, (_, i) => `m${i}`));
    await waitFor(() => ing.ingestor.directory.meter('site-a', 'm49'), { what: 'manifest' });
  });

  const streams = async () => Number(/^zm_live_streams (\d+)$/m.exec(await (await fetch(`${ing.url}/metrics`)).text())?.[1]);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await gw?.close();
    await ing?.close();
  });

  /** An SSE request whose reader never reads a byte of the answer. */
  function stalledReader(): Promise<net.Socket> {
    const { port } = new URL(ing.url);
    return new Promise((resolve) => {
      const s = net.connect(Number(port), '127.0.0.1', () => {
        s.write('GET /api/v1/live HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
        s.pause();
        resolve(s);
      });
      s.on('error', () => undefined);
      sockets.push(s);
    });
  }

  it('closes a stream whose reader falls more than 1 MiB behind, and keeps serving the others', async () => {
    const stalled = await stalledReader();
    await waitFor(async () => ((await streams()) === 1 ? true : undefined), { what: 'the stream open' });
    const start = Date.now() - 3_600_000;
    // 50 meters × 400 readings a batch: about 4 MB of events a batch, 10 batches.
    for (let s = 1; s <= 10; s++) {
      const readings = Array.from({ length: 20_000 }, (_, i) => reading(`m${i % 50}`, start + s * 1_000_000 + Math.floor(i / 50) * 100, s * 1000 + i));
      await gw.publishBatch(s, readings.slice(0, 10_000));
      await gw.publishBatch(100 + s, readings.slice(10_000));
    }
    await waitFor(() => (gw.acked.size === 20 ? true : undefined), { what: 'every batch acked', timeoutMs: 30_000 });
    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(Number(/^zm_live_slow_streams_closed_total (\d+)$/m.exec(metrics)?.[1])).toBe(1);
    expect(await streams()).toBe(0);
    stalled.destroy();
    // A reader that does read still gets its snapshot.
    const res = await fetch(`${ing.url}/api/v1/live`);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: snapshot\n/);
    await reader.cancel();
  }, 60_000);

  it(`answers 503 ERR_BUSY beyond ${LIVE_MAX_STREAMS} open streams`, async () => {
    const open = await Promise.all(Array.from({ length: LIVE_MAX_STREAMS }, () => stalledReader()));
    await waitFor(async () => ((await streams()) === LIVE_MAX_STREAMS ? true : undefined), { what: 'every stream open' });
    const res = await fetch(`${ing.url}/api/v1/live`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({ code: 'ERR_BUSY', message: `${LIVE_MAX_STREAMS} live streams are open; retry later` });
    for (const s of open) s.destroy();
    await waitFor(async () => ((await streams()) === 0 ? true : undefined), { what: 'every stream closed' });
  }, 30_000);
});
