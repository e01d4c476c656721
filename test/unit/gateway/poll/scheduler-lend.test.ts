import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MeterSchema, type BusConfig } from '../../../../gateway/config.ts';
import { createBusScheduler, type BusScheduler } from '../../../../gateway/poll/scheduler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bus = { id: 'b1', type: 'tcp', host: '127.0.0.1', port: 502, timeoutMs: 1000, interFrameDelayMs: 0 } as Exclude<BusConfig, { type: 'mqtt' }>;
const meter = (id: string, unitId: number, intervalMs: number) => MeterSchema.parse({ id, bus: 'b1', unitId, model: 'SDM630', zone: 'other', endUse: 'total', intervalMs });

/** A line whose reads take `readMs` each and that records any overlap with a loan. */
function line(readMs: number) {
  const log: string[] = [];
  let loaned = false;
  let overlaps = 0;
  return {
    log,
    overlaps: () => overlaps,
    reader: (m: { id: string }) => async () => {
      if (loaned) overlaps++;
      log.push(`read ${m.id}`);
      await sleep(readMs);
      if (loaned) overlaps++;
      return { values: { power_kw: 1 }, ts: Date.now() };
    },
    async loan(ms: number) {
      loaned = true;
      log.push('loan');
      await sleep(ms);
      loaned = false;
      return 'done';
    },
  };
}

let sched: BusScheduler | undefined;
afterEach(async () => {
  await sched?.stop();
  sched = undefined;
});

describe('bus scheduler: lending the line', () => {
  it('runs a loan alone on the line, between two transactions, and goes on polling after it', async () => {
    const l = line(20);
    sched = createBusScheduler(bus, [meter('a', 1, 200), meter('b', 2, 200)], l.reader, { log: pino({ level: 'silent' }), onReading: () => undefined, now: Date.now });
    sched.start();
    await sleep(100);
    expect(await sched.lend(500, () => l.loan(150))).toBe('done');
    const after = l.log.lastIndexOf('loan');
    await sleep(400);
    expect(l.overlaps()).toBe(0);
    expect(l.log.slice(after + 1).filter((x) => x.startsWith('read')).length).toBeGreaterThanOrEqual(2);
  });

  it('serves a loan on a line with no idle time after at most its budget, and polls in between loans', async () => {
    // Two meters due every 50 ms that each take 40 ms: the line is always busy.
    const l = line(40);
    sched = createBusScheduler(bus, [meter('a', 1, 100), meter('b', 2, 100)], l.reader, { log: pino({ level: 'silent' }), onReading: () => undefined, now: Date.now });
    sched.start();
    await sleep(150);
    const t0 = performance.now();
    await sched.lend(200, () => l.loan(50));
    expect(performance.now() - t0).toBeLessThan(200 + 40 + 50 + 100);
    const first = l.log.lastIndexOf('loan');
    await sched.lend(200, () => l.loan(50));
    const between = l.log.slice(first + 1, l.log.lastIndexOf('loan')).filter((x) => x.startsWith('read')).length;
    expect(between).toBeGreaterThanOrEqual(2);
    expect(l.overlaps()).toBe(0);
  });

  it('measures the share of time the line is busy', async () => {
    const l = line(30);
    sched = createBusScheduler(bus, [meter('a', 1, 300)], l.reader, { log: pino({ level: 'silent' }), onReading: () => undefined, now: Date.now });
    sched.start();
    await sleep(1000);
    // One 30 ms read every 300 ms: about a tenth of the time.
    expect(sched.utilisation()).toBeGreaterThan(0.05);
    expect(sched.utilisation()).toBeLessThan(0.2);
  });

  it('refuses loans still waiting when the gateway stops', async () => {
    const l = line(40);
    sched = createBusScheduler(bus, [meter('a', 1, 100)], l.reader, { log: pino({ level: 'silent' }), onReading: () => undefined, now: Date.now });
    sched.start();
    await sleep(20);
    const pending = sched.lend(10_000, () => l.loan(10));
    // Stop while the loan is still queued behind the read in flight.
    await sched.stop();
    sched = undefined;
    await expect(pending).rejects.toThrow(/bus b1: the gateway is stopping/);
    expect(l.log).not.toContain('loan');
  });
});
