import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/index.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { createBusLink, type ModbusLink } from '../../gateway/drivers/index.ts';
import { findModel } from '../../gateway/models/index.ts';
import { createPoller, type Poller } from '../../gateway/poll/index.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';

interface Call { unitId: number; start: number; end: number; ok: boolean }

/** Records every transaction the poller puts on the line, as it hands them to the real link. */
function spy(link: ModbusLink, calls: Call[]): ModbusLink {
  return {
    async readRegisters(unitId, fc, address, count, timeoutMs) {
      const call: Call = { unitId, start: performance.now(), end: Number.NaN, ok: false };
      calls.push(call);
      try {
        const out = await link.readRegisters(unitId, fc, address, count, timeoutMs);
        call.ok = true;
        return out;
      } finally {
        call.end = performance.now();
      }
    },
    close: () => link.close(),
  };
}

const LIVE = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const DEAD = 10;
const INTERVAL = 500;

describe('ten meters on one RS-485 line, one of them dead', () => {
  let pty: PtyPair;
  let sim: MeterSimulator;
  let poller: Poller;
  const calls: Call[] = [];
  const readings: (Reading & { at: number })[] = [];

  beforeAll(async () => {
    pty = await startPtyPair();
    const model = findModel('SDM120')!;
    // Unit 10 is configured on the gateway but nothing answers to it on the line.
    sim = await startMeterSimulator({ meters: LIVE.map((unitId) => ({ unitId, model })), rtu: { path: pty.b, baudRate: 38400 } });
    const config = GatewayConfigSchema.parse({
      site: 's', gateway: 'g', building: 'b',
      buses: [{ id: 'line-a', type: 'rtu', path: pty.a, baud: 38400, timeoutMs: 250, interFrameDelayMs: 2 }],
      meters: [...LIVE, DEAD].map((unitId) => ({
        id: `m${unitId}`, bus: 'line-a', unitId, model: 'SDM120', zone: 'administrative', endUse: 'lighting_sockets', intervalMs: INTERVAL, retries: 2,
      })),
    });
    poller = createPoller(config, {
      log: pino({ level: 'silent' }),
      onReading: (r) => readings.push({ ...r, at: performance.now() }),
      createLink: (bus) => spy(createBusLink(bus), calls),
    });
    await poller.start();
  });

  afterAll(async () => {
    await poller?.stop();
    await sim?.close();
    await pty?.close();
  });

  it('keeps the live meters on schedule, backs off the dead one, one transaction at a time', async () => {
    // Let the dead meter's first interval (three timeouts) pass, then count over a window.
    await new Promise((r) => setTimeout(r, 1500));
    const from = performance.now();
    const windowMs = 6000;
    await new Promise((r) => setTimeout(r, windowMs));
    const to = performance.now();

    const expected = windowMs / INTERVAL;
    for (const unitId of LIVE) {
      const n = readings.filter((r) => r.meter === `m${unitId}` && r.at >= from && r.at < to).length;
      expect(n / expected, `meter ${unitId}: ${n} reads, ${expected} expected`).toBeGreaterThan(0.85);
      expect(n / expected, `meter ${unitId}: ${n} reads, ${expected} expected`).toBeLessThan(1.15);
    }
    expect(readings.some((r) => r.meter === `m${DEAD}`)).toBe(false);

    // The dead meter: retried within its first interval, then probed ever more sparsely.
    const dead = calls.filter((c) => c.unitId === DEAD);
    expect(dead.every((c) => !c.ok)).toBe(true);
    const gaps = dead.slice(1).map((c, i) => c.start - dead[i]!.start);
    const probeGaps = gaps.slice(2);
    expect(probeGaps.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < probeGaps.length; i++) expect(probeGaps[i]! / probeGaps[i - 1]!).toBeGreaterThan(1.5);
    const deadInWindow = dead.filter((c) => c.start >= from && c.start < to).length;
    expect(deadInWindow).toBeLessThan(expected / 2);
    const state = poller.meters().find((m) => m.id === `m${DEAD}`)!;
    expect(state).toMatchObject({ state: 'backoff', online: false, reads: 0 });
    expect(state.lastError).toMatch(/no response/);
    for (const unitId of LIVE) expect(poller.meters().find((m) => m.id === `m${unitId}`)).toMatchObject({ state: 'ok', online: true });

    // Half duplex: no transaction starts before the previous one has ended.
    const sorted = [...calls].filter((c) => !Number.isNaN(c.end)).sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
    expect(sorted.length).toBeGreaterThan(LIVE.length * expected);
  }, 20_000);
});
