import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { parseConfig } from '../../core/index.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import { build as buildIngestor, type Ingestor } from '../../ingestor/app.ts';
import { IngestorConfigSchema } from '../../ingestor/config.ts';
import { runBackfill } from '../../simulators/backfill/index.ts';
import { kindOf, loadSite, siteTime } from '../../simulators/building/schema.ts';
import { PlatformSimulator, type StoredPeriod } from '../../simulators/platform/index.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';

// The demo site's gateway history goes through the ingestor's MQTT path (a backfill on a simulated
// clock), the ingestor reports hourly periods of both buildings to the reference platform over TCP,
// the platform is down for a whole simulated day while the ingestor is also restarted, and comes
// back: its store must then hold every period of every building once, with item totals equal to
// the ingestor's own usage (GET /api/v1/usage) and counters that move by each meter's usage.
const SITE_FILE = fileURLToPath(new URL('../../simulators/building/examples/demo-site.yaml', import.meta.url));
const H = 3_600_000;
const KEY = '000102030405060708090a0b0c0d0e0f';
const IV = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const SECRET = 'shared-secret-330100';
const BUILDINGS = { main: '330100A001', annex: '330100A002' } as const;
const D0 = siteTime('2020-03-02', 8);
const DAYS = 2;

const site = loadSite(SITE_FILE);
const meters = site.buildings.flatMap((b) => b.meters.map((m) => ({ ...m, building: b.id })));
const parents = new Set(meters.map((m) => m.parent).filter(Boolean));

describe('reporting to an energy-monitoring platform through an outage and a restart', () => {
  const tmp = tempDir('zm-platforms-');
  const database = uniqueDb();
  let clock = D0;
  let platform: PlatformSimulator;
  let ingestor: Ingestor;
  let url = '';
  let password = '';

  const start = async () => {
    const config = parseConfig(IngestorConfigSchema, {
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      influx: { url: inject('influxUrl'), database, flushMs: 10 },
      // The clock moves to the end of each backfilled day only once the day is stored (below), so
      // readings may run ahead of it meanwhile.
      ingest: { maxFutureMs: 3 * 24 * H },
      dataDir: path.join(tmp.dir, 'ingestor'),
      gateways: [{ id: 'gw-1', site: 'demo', passwordHash: await hashPassword(password) }],
      platforms: [{
        id: 'province', host: '127.0.0.1', port: platform.port, key: KEY, iv: IV, secret: SECRET,
        periodMin: 60, heartbeatS: 1, ackTimeoutS: 5, from: new Date(D0).toISOString(), maxWaitMin: 180,
        continuousPerMinute: 6000, settleS: 1, retry: { minMs: 100, maxMs: 500 },
        buildings: [
          { site: 'demo', building: 'main', buildingId: BUILDINGS.main, gatewayId: '01' },
          { site: 'demo', building: 'annex', buildingId: BUILDINGS.annex, gatewayId: '01' },
        ],
      }],
    }, 'platforms test ingestor');
    ingestor = await buildIngestor(config, { log: pino({ level: 'silent' }), now: () => clock });
    url = await ingestor.listen();
  };
  const api = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${url}${p}`);
    expect(res.status, p).toBe(200);
    return (await res.json()) as T;
  };
  const backfill = async (from: number, to: number) => {
    const r = await runBackfill({
      site, from, to, stepMs: 15 * 60_000,
      ingestor: { url: `mqtt://127.0.0.1:${ingestor.broker!.port}`, username: 'gw-1', password },
    });
    expect(r.done).toBe(true);
    await ingestor.usage.idle();
    clock = to;
  };
  interface PlatformsBody { platforms: { connected: boolean; authenticated: boolean; last_error: string | null; buildings: { building: string; backlog_periods: number; waiting_for_data_at: string | null; last_acked_period: { end: string } | null }[] }[] }

  beforeAll(async () => {
    password = 'pw-gw-1';
    platform = new PlatformSimulator({ port: 0, secret: SECRET, key: Buffer.from(KEY, 'hex'), iv: Buffer.from(IV, 'hex'), store: path.join(tmp.dir, 'store.jsonl'), now: () => clock });
    await platform.up();
    await start();
  }, 60_000);

  afterAll(async () => {
    await ingestor?.close();
    await platform?.close();
    tmp.remove();
  });

  it('sends day 1 while the platform is up, keeps a backlog while it is down, and sends it after a restart', async () => {
    // Day 1: up. The ingestor's clock is at the end of the backfilled window.
    await backfill(D0 - 15 * 60_000, D0 + 24 * H + 15 * 60_000);
    await waitFor(() => (platform.periods().length >= 48 ? true : undefined), { timeoutMs: 40_000, what: 'day 1 at the platform' });
    expect(platform.counters.authenticated).toBeGreaterThanOrEqual(1);

    // Day 2: the platform is down the whole simulated day.
    await platform.down();
    await backfill(D0 + 24 * H + 15 * 60_000, D0 + 48 * H + 15 * 60_000);
    const down = await waitFor(async () => {
      const b = await api<PlatformsBody>('/api/v1/platforms');
      const p = b.platforms[0]!;
      return !p.connected && p.last_error && p.buildings.every((x) => x.backlog_periods === 24) ? p : undefined;
    }, { timeoutMs: 15_000, what: 'a 24-period backlog per building' });
    expect(down.last_error).toMatch(/cannot connect|closed/);
    expect(down.buildings.map((b) => b.last_acked_period?.end)).toEqual([new Date(D0 + 24 * H).toISOString(), new Date(D0 + 24 * H).toISOString()]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('zm_platform_connected{platform="province",site="demo",building="main"} 0');
    expect(metrics).toContain('zm_platform_backlog_periods{platform="province",site="demo",building="main"} 24');
    expect(metrics).toContain('zm_platform_backlog_periods{platform="province",site="demo",building="annex"} 24');
    expect(metrics).toContain('zm_platform_messages_total{platform="province",site="demo",building="annex",outcome="acked"} 24\n');

    // The ingestor restarts during the outage; the platform comes back afterwards.
    await ingestor.close();
    await start();
    await platform.up();
    await waitFor(() => (platform.periods().length >= 96 ? true : undefined), { timeoutMs: 40_000, what: 'day 2 at the platform' });
    const after = (await api<PlatformsBody>('/api/v1/platforms')).platforms[0]!;
    expect(after.connected && after.authenticated).toBe(true);
    expect(after.buildings.map((b) => b.backlog_periods)).toEqual([0, 0]);
    expect(platform.counters.heartbeats).toBeGreaterThan(0);
  }, 120_000);

  it('holds every period of every building exactly once, in order, the backlog as continuous', () => {
    const lines = readFileSync(path.join(tmp.dir, 'store.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StoredPeriod);
    expect(platform.counters.duplicates).toBe(0);
    for (const [building, id] of Object.entries(BUILDINGS)) {
      const mine = lines.filter((p) => p.building === id);
      const expected = Array.from({ length: DAYS * 24 }, (_, i) => D0 + (i + 1) * H);
      expect(mine.map((p) => p.ts), building).toEqual(expected);
      expect(mine.every((p) => p.gateway === '01')).toBe(true);
      // Everything before the period just ended on the reporting clock went as continuous (backlog)
      // data; each day's last period was the current one when sent, a report.
      expect(mine.map((p) => p.operation)).toEqual(expected.map((t) => (t === D0 + 24 * H || t === D0 + 48 * H ? 'report' : 'continuous')));
    }
  });

  it('reports item totals equal to the ingestor\'s own usage, and counters that move by each meter\'s usage', async () => {
    const stored = platform.periods();
    for (const [building, id] of Object.entries(BUILDINGS)) {
      // The ingestor's usage per meter and 15 minutes, over both days, from its public API.
      const body = await api<{ series: { meter: string; points: { ts: number; value: number }[] }[] }>(
        `/api/v1/usage?site=demo&building=${building}&from=${D0}&to=${D0 + DAYS * 24 * H}&interval=15m&by=meter`);
      const used = (meter: string, from: number, to: number) =>
        (body.series.find((s) => s.meter === meter)?.points ?? []).filter((p) => p.ts >= from && p.ts < to).reduce((a, p) => a + p.value, 0);
      const mine = meters.filter((m) => m.building === building);
      const leaves = mine.filter((m) => !parents.has(m.id));
      const tops = mine.filter((m) => !m.parent);
      const expectedItems = (from: number, to: number): Record<string, number> => {
        const sum = (ms: typeof mine) => ms.reduce((a, m) => a + used(m.id, from, to), 0);
        const out: Record<string, number> = {
          '01000': sum(tops.filter((m) => kindOf(m) === 'electricity')),
          '02000': sum(tops.filter((m) => kindOf(m) === 'water')),
          '04000': sum(tops.filter((m) => kindOf(m) === 'heat')),
        };
        const codes: Record<string, string> = { lighting_sockets: '01A00', air_conditioning: '01B00', power: '01C00', special: '01D00' };
        for (const [endUse, code] of Object.entries(codes)) {
          const group = leaves.filter((m) => kindOf(m) === 'electricity' && m.endUse === endUse);
          if (group.length) out[code] = sum(group);
        }
        return out;
      };
      const periods = stored.filter((p) => p.building === id);
      let previous: StoredPeriod | undefined;
      for (const p of periods) {
        const want = expectedItems(p.ts - H, p.ts);
        const got = Object.fromEntries(p.items.map((it) => [it.coding, it.value]));
        expect(Object.keys(got).sort(), `${building} ${p.time}`).toEqual(Object.keys(want).sort());
        for (const [code, v] of Object.entries(want)) {
          expect(p.items.find((it) => it.coding === code)!.error).toBe('192');
          expect(Math.abs(got[code]! - v), `${building} ${p.time} ${code}: ${got[code]} vs ${v}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v)));
        }
        expect(p.meters.map((m) => m.name).sort()).toEqual(mine.map((m) => m.id).sort());
        if (previous) {
          for (const m of p.meters) {
            const before = previous.meters.find((x) => x.name === m.name)!.functions[0]!.value!;
            const delta = m.functions[0]!.value! - before;
            expect(Math.abs(delta - used(m.name, p.ts - H, p.ts)), `${m.name} ${p.time}`).toBeLessThanOrEqual(1e-6 * Math.max(1, delta));
          }
        }
        previous = p;
      }
    }
  }, 60_000);

  it('holds a period whose meters have not reported past its end, then sends it with the missing code', async () => {
    // Readings stop at D0 + 48 h 15 min: the period ending at D0 + 49 h cannot be complete.
    clock = D0 + 49 * H + 30 * 60_000;
    const waiting = await waitFor(async () => {
      const p = (await api<PlatformsBody>('/api/v1/platforms')).platforms[0]!;
      return p.buildings.every((b) => b.waiting_for_data_at === '20200304010000' && b.backlog_periods === 1) ? p : undefined;
    }, { timeoutMs: 15_000, what: 'the period to wait for its data' });
    expect(waiting.buildings).toHaveLength(2);
    expect(platform.periods()).toHaveLength(96);
    // Past maxWaitMin (180) it goes out: counters as read, every item marked missing.
    clock = D0 + 49 * H + 181 * 60_000;
    await waitFor(() => (platform.periods().length === 98 ? true : undefined), { timeoutMs: 15_000, what: 'the incomplete period' });
    for (const p of platform.periods().slice(96)) {
      expect(p.ts).toBe(D0 + 49 * H);
      expect(p.items.length).toBeGreaterThan(0);
      expect(p.items.every((it) => it.error === '0' && it.value === null)).toBe(true);
      expect(p.meters.every((m) => m.functions[0]!.error === '192' && typeof m.functions[0]!.value === 'number')).toBe(true);
    }
  }, 40_000);
});
