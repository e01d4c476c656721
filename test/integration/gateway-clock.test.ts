import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { topics, type Ack } from '../../core/index.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import type { MeterSimulator } from '../../simulators/meter/index.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';
import { connectGateway, meterSpec, reading, type GatewayClient } from '../support/mqtt-gateway.ts';
import {
  gatewayConfig, gatewayStatus, influxQuery, killAllZm, sdm630Simulator, spawnZm, startIngestorProcess, type GatewayStatus, type ProcessIngestor,
} from '../support/processes.ts';

// A board that boots with its clock in 2020 and no NTP: a real gateway process whose wall clock
// is read six years back (ZM_CLOCK_OFFSET_MS, the test and diagnosis override), polling a real
// simulated meter, first with the ingestor down and then up. The readings must arrive with the
// times they were read at, including the ones read before the gateway knew the time.
const influxUrl = inject('influxUrl');
const db = uniqueDb('gwclock');
const tmp = tempDir('zm-gw-clock-');
const OFFSET_MS = Date.UTC(2020, 0, 1) - Date.now();

type ClockStatus = GatewayStatus & { clock: { now: number; trusted: boolean; source: string | null; reason: string; held: number; offset_ms: number } };

let sim: MeterSimulator;
let ing: ProcessIngestor;
const ports = { http: 0, mqtt: 0 };

beforeAll(async () => {
  sim = await sdm630Simulator(1);
  ports.http = await freePort();
  ports.mqtt = await freePort();
});

afterAll(async () => {
  await killAllZm();
  await sim?.close();
  tmp.remove();
});

describe('a gateway whose clock starts in 2020', () => {
  it('holds its readings until the ingestor\'s time arrives, then they arrive stamped with when they were read', async () => {
    const cfg = gatewayConfig('site-c', 'gw-clock', { uplink: `mqtt://127.0.0.1:${ports.mqtt}`, simPort: sim.tcp!.port, meters: 1, dir: tmp.dir });
    const file = path.join(tmp.dir, 'gw-clock.json');
    writeFileSync(file, JSON.stringify(cfg));
    const health = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const gw = spawnZm(['gateway', 'run', '-c', file], { ZM_GATEWAY_HTTP: health.slice('http://'.length), ZM_CLOCK_OFFSET_MS: String(OFFSET_MS) });
    await gw.waitForLine((l) => l.msg === 'gateway running', 30_000, 'the gateway to start');

    // No ingestor yet and no NTP to ask: the clock cannot be right, so nothing is journalled.
    const held = await waitFor(async () => {
      const s = (await gatewayStatus(health)) as ClockStatus;
      return s.clock.held >= 10 ? s : undefined;
    }, { what: 'readings held' });
    expect(held.clock).toMatchObject({ trusted: false, source: null });
    expect(held.clock.reason).toMatch(/^the clock \(2020-01-01T.*\) is before /);
    expect(held.journal.last_seq).toBe(0);
    expect(held.meters[0]!.reads).toBeGreaterThanOrEqual(10);

    ing = await startIngestorProcess({
      dir: tmp.dir, influxUrl, database: db, ports,
      gateways: [['site-c', 'gw-clock', await hashPassword('pw-gw-clock')], ['site-c', 'gw-raw', await hashPassword('pw-gw-raw')]],
    });
    const trustedAt = Date.now();
    const s = await waitFor(async () => {
      const st = (await gatewayStatus(health)) as ClockStatus;
      return st.clock.trusted && st.journal.acked_seq > held.clock.held ? st : undefined;
    }, { what: 'the clock trusted and the held readings acked', timeoutMs: 30_000 });
    expect(s.clock).toMatchObject({ trusted: true, source: 'ingestor', held: 0 });
    expect(s.clock.reason).toMatch(/set from the ingestor's time; the system clock is [\d.]+ days behind/);
    expect(Math.abs(s.clock.now - Date.now())).toBeLessThan(2000);
    expect(Math.abs(s.clock.offset_ms + OFFSET_MS)).toBeLessThan(2000);

    const rows = (await influxQuery(influxUrl, db, `SELECT energy_import_kwh FROM reading WHERE meter = 'm1'`))[0]?.rows ?? [];
    const times = rows.map((r) => r[0] as number);
    expect(times.length).toBeGreaterThan(held.clock.held);
    // Every reading at a true time: after the gateway started, none in 2020 or in the future.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(started - 1000);
    expect(Math.max(...times)).toBeLessThanOrEqual(Date.now() + 1000);
    // The held ones keep the times they were read at, seconds before the clock was known, not when they were sent.
    expect(Math.min(...times)).toBeLessThan(trustedAt - 1000);
    // Polled every 100 ms: successive readings about that far apart, in order, none bunched at the sync.
    const steps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...steps)).toBeGreaterThan(0);
    expect(steps.filter((d) => d < 20).length).toBeLessThan(steps.length / 10);
    await gw.stop();
  }, 90_000);
});

describe('the ingestor and a gateway stream', () => {
  let raw: GatewayClient;
  const T = Date.now() - 3_600_000;
  const batch = (seq: number, readings: unknown[], stream?: string) =>
    JSON.stringify({ v: 1, site: 'site-c', gateway: 'gw-raw', seq, sent: Date.now(), ...(stream ? { stream } : {}), readings });
  const send = async (seq: number, payload: string): Promise<Ack> => {
    await raw.publishRaw(topics.batch('site-c', 'gw-raw'), payload);
    return waitFor(() => raw.acked.get(seq), { what: `ack ${seq}` });
  };

  beforeAll(async () => {
    raw = await connectGateway({ url: ing.mqttUrl, site: 'site-c', gateway: 'gw-raw', password: 'pw-gw-raw' });
    await raw.publishManifest([meterSpec('r1')]);
    await waitFor(async () => {
      const res = (await (await fetch(`${ing.url}/api/v1/meters?site=site-c`)).json()) as { meters: { id: string }[] };
      return res.meters.some((m) => m.id === 'r1') ? true : undefined;
    }, { what: 'the manifest' });
  });
  afterAll(async () => {
    await raw?.close();
  });

  it('refuses a reading stamped before one earlier in the stream, names why, and stores the rest', async () => {
    expect(await send(2, batch(2, [reading('r1', T, 10), reading('r1', T + 60_000, 11)], 'j-1'))).toMatchObject({ status: 'ok', stored: 2 });
    const ack = await send(4, batch(4, [reading('r1', T + 30_000, 12), reading('r1', T + 120_000, 13)], 'j-1'));
    expect(ack).toMatchObject({ status: 'quarantined', stored: 1, quarantined: 1, reason: 'out_of_order' });
    expect(Math.abs(ack.time! - Date.now())).toBeLessThan(5000);
    const q = (await (await fetch(`${ing.url}/api/v1/quarantine?reason=out_of_order`)).json()) as { entries: { gateway: string; detail: string }[] };
    expect(q.entries[0]).toMatchObject({ gateway: 'gw-raw' });
    expect(q.entries[0]!.detail).toMatch(/is before .* the meter's reading earlier in the gateway's journal/);
  });

  it('takes late history without a stream (a backfill) and answers a time probe with its time', async () => {
    expect(await send(10, batch(10, [reading('r1', T - 86_400_000, 1)]))).toMatchObject({ status: 'ok', stored: 1 });
    const probeSeq = Number.MAX_SAFE_INTEGER - 5;
    const before = Date.now();
    const ack = await send(probeSeq, batch(probeSeq, []));
    expect(ack).toMatchObject({ status: 'ok', stored: 0, quarantined: 0 });
    expect(ack.time!).toBeGreaterThanOrEqual(before - 5);
    expect(ack.time!).toBeLessThanOrEqual(Date.now() + 5);
  });
});
