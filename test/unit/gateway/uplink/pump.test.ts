import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchSchema, topics, type Batch } from '../../../../core/index.ts';
import { openJournal } from '../../../../gateway/journal/index.ts';
import type { Journal } from '../../../../gateway/journal/types.ts';
import { AckWindow } from '../../../../gateway/uplink/ack-window.ts';
import { BatchBudget } from '../../../../gateway/uplink/budget.ts';
import { Pump } from '../../../../gateway/uplink/pump.ts';
import { emptyStats } from '../../../../gateway/uplink/stats.ts';
import { readings, tempDir } from '../journal/fixtures/readings.ts';
import { broker, until, uplinkConfig } from './helpers.ts';

const log = pino({ enabled: false });
const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A pump over a real journal publishing through a real client to aedes; `batches` is what a subscriber got. */
async function setup(uplink: Record<string, unknown>, records: number) {
  const b = await broker();
  cleanup.push(() => b.close());
  const tmp = tempDir('zm-pump-');
  cleanup.push(() => tmp.remove());
  const journal: Journal = await openJournal({ dir: tmp.dir, maxBytes: 64 << 20, segmentBytes: 1 << 20, fsyncIntervalMs: 0 });
  cleanup.push(() => journal.close());
  // The fixture's readings are stamped in the past: a backlog, sent in whole batches at once.
  journal.append(readings(1, records));
  const config = uplinkConfig(b.url, uplink);
  const batches: Batch[] = [];
  const sub = await mqtt.connectAsync(b.url, { clientId: 'ingestor-probe' });
  cleanup.push(() => sub.endAsync());
  sub.on('message', (_t, p) => batches.push(BatchSchema.parse(JSON.parse(p.toString()))));
  await sub.subscribeAsync(topics.batch(config.site, config.gateway), { qos: 1 });
  let client: MqttClient | null = await mqtt.connectAsync(b.url, { clientId: config.gateway });
  const pub = client;
  cleanup.push(() => pub.endAsync());
  const window = new AckWindow();
  const stats = emptyStats(config.uplink.batch.maxBytes);
  const restarts: number[] = [];
  const pump = new Pump(config, {
    journal, window, budget: new BatchBudget(config.uplink.batch.maxBytes), stats, log, now: Date.now,
    client: () => client,
    restart: () => restarts.push(window.restart(journal.stats().ackedSeq)),
  });
  cleanup.push(() => { client = null; });
  return { pump, window, stats, batches, restarts, journal, disconnect: () => { client = null; } };
}

describe('Pump (journal to wire, real journal and aedes)', () => {
  it('sends the backlog in order, in batches of at most maxReadings, up to the window', async () => {
    const { pump, window, stats, batches } = await setup({ batch: { maxReadings: 25 }, window: 3 }, 200);
    pump.start();
    await until(() => batches.length === 3, 'a full window');
    await new Promise((r) => setTimeout(r, 150));
    // The window is full: nothing more until an ack frees it.
    expect(batches.map((x) => x.seq)).toEqual([25, 50, 75]);
    expect(batches.flatMap((x) => x.readings).map((r) => r.ts)).toEqual(readings(1, 75).map((r) => r.ts));
    expect(stats).toMatchObject({ batchesSent: 3, inFlight: 3 });
    expect(window.sentUpTo).toBe(75);
    window.ack(25);
    pump.start();
    await until(() => batches.length === 4, 'the batch the ack made room for');
    expect(batches[3]!.seq).toBe(100);
  });

  it('cuts batches to the byte budget', async () => {
    const { pump, batches, stats } = await setup({ batch: { maxReadings: 500, maxBytes: 4096 }, window: 64 }, 100);
    pump.start();
    await until(() => batches.at(-1)?.seq === 100, 'everything sent');
    expect(stats.splits).toBeGreaterThan(0);
    expect(batches.flatMap((x) => x.readings)).toHaveLength(100);
  });

  it('goes back to the acked seq when the oldest batch waits past ackTimeoutMs', async () => {
    const { pump, batches, restarts } = await setup({ batch: { maxReadings: 50 }, window: 2, ackTimeoutMs: 100 }, 100);
    pump.start();
    await until(() => restarts.length > 0, 'the ack timeout');
    expect(restarts[0]).toBe(2);
    await until(() => batches.filter((x) => x.seq === 50).length >= 2, 'the resend');
  });

  it('stops when the connection is gone', async () => {
    const { pump, batches, disconnect } = await setup({ batch: { maxReadings: 10 }, window: 64 }, 100);
    disconnect();
    pump.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(batches).toEqual([]);
  });
});
