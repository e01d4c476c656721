import pino from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { WIRE_VERSION } from '../../core/index.ts';
import { Directory } from '../../ingestor/ingest/directory.ts';
import { PlatformsSchema } from '../../ingestor/platforms/config.ts';
import { PlatformService } from '../../ingestor/platforms/index.ts';
import { InfluxClient } from '../../ingestor/store/influx.ts';
import { PlatformSimulator } from '../../simulators/platform/index.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';

// Readings and 15-minute usage written by hand into a real influxd, so every figure the platform
// must receive is known exactly: counters at each period's end, the main meter's total, the
// lighting and AC sub-meters as 01A00 and 01B00, water as 02000. The backlog goes out no faster
// than continuousPerMinute allows; a lost acknowledgement means a resend the platform keeps once.
const H = 3_600_000;
const Q = 15 * 60_000;
const T0 = Date.UTC(2024, 5, 1, 16, 0, 0); // 2024-06-02 00:00 at +08:00
const METERS = [
  { id: 'main', kind: 'electricity', end_use: 'total', role: 'main', perQ: 10 },
  { id: 'light', kind: 'electricity', end_use: 'lighting_sockets', parent: 'main', perQ: 3 },
  { id: 'ac', kind: 'electricity', end_use: 'air_conditioning', parent: 'main', perQ: 6.5 },
  { id: 'water', kind: 'water', end_use: 'total', perQ: 0.25 },
] as const;
const FIELD = { electricity: 'energy_import_kwh', water: 'volume_m3' } as const;
const START = { main: 1000, light: 200, ac: 500, water: 30 } as const;

describe.each(['gb2008', 'renewable'] as const)('what a %s platform receives for hand-written data', (dialect) => {
  const tmp = tempDir('zm-platform-items-');
  let sim: PlatformSimulator;
  let service: PlatformService;
  afterAll(async () => { await service?.close(); await sim?.close(); tmp.remove(); });

  it('sends exact counters and item totals, the backlog at the bounded rate', async () => {
    const influx = new InfluxClient({ url: inject('influxUrl'), database: uniqueDb(), maxPointsPerWrite: 5000, flushMs: 0 });
    await influx.createDatabase();
    const lines: string[] = [];
    for (let q = 0; q <= 16; q++) {
      const t = T0 + q * Q;
      for (const m of METERS) {
        const tags = `site=demo,building=hall,gateway=gw-1,meter=${m.id},kind=${m.kind},zone=administrative,end_use=${m.end_use}`;
        lines.push(`reading,${tags} ${FIELD[m.kind]}=${START[m.id] + q * m.perQ} ${t}`);
        if (q < 16) lines.push(`usage,${tags},role=${'role' in m ? m.role : 'sub'} value=${m.perQ} ${t}`);
      }
    }
    await influx.write(lines);

    const key = Buffer.alloc(16, 5);
    sim = new PlatformSimulator({ port: 0, secret: 'k', key, iv: key, dialect });
    await sim.up();
    const directory = new Directory(tmp.dir, pino({ level: 'silent' }));
    directory.setManifest({ v: WIRE_VERSION, site: 'demo', gateway: 'gw-1', ts: Date.now(), replacements: [],
      meters: METERS.map((m) => ({ id: m.id, building: 'hall', kind: m.kind, model: 'x', zone: 'administrative', end_use: m.end_use, role: 'role' in m ? m.role : 'sub', multiplier: 1, ...('parent' in m ? { parent: m.parent } : {}) })) });
    const [cfg] = PlatformsSchema.parse([{
      id: 'p', host: '127.0.0.1', port: sim.port, dialect, key: key.toString('hex'), iv: key.toString('hex'), secret: 'k',
      periodMin: 60, from: new Date(T0).toISOString(), settleS: 0, continuousPerMinute: 120,
      buildings: [{ site: 'demo', building: 'hall', buildingId: '440100A001', gatewayId: '07' }],
    }]);
    service = new PlatformService([cfg!], { influx, directory, dataDir: tmp.dir, utcOffsetHours: 8, now: () => T0 + 4 * H + 5 * 60_000, log: pino({ level: 'silent' }) });
    // The first period is refused once (ack fail), then its acknowledgement is lost (stored, the
    // connection gone before the ack): it is sent three times and kept once.
    sim.refuseAcks = 1;
    sim.loseAcks = 1;
    service.start();
    await waitFor(() => (sim.periods().length === 4 && service.status()[0]!.buildings[0]!.backlog === 0 ? true : undefined), { timeoutMs: 20_000, what: 'four periods' });
    const st = service.status()[0]!;
    expect(sim.counters.duplicates).toBe(1);
    expect(st.counters).toMatchObject({ connects: 3, refused: 1, sent: 6, acked: 4 });
    // The last error is the lost acknowledgement's closed connection.
    expect(st.buildings[0]!.lastError).toBe('the platform closed the connection');
    expect(sim.counters.refused).toMatchObject({ refused_by_command: 1 });

    const got = sim.periods();
    expect(got.map((p) => [p.time, p.operation])).toEqual([
      ['20240602010000', 'continuous'], ['20240602020000', 'continuous'], ['20240602030000', 'continuous'], ['20240602040000', 'report'],
    ]);
    got.forEach((p, i) => {
      const q = 4 * (i + 1);
      expect(p.building).toBe('440100A001');
      expect(p.gateway).toBe('07');
      // Meters in id order, each its counter at the period end, coded by end use.
      expect(p.meters.map((m) => [m.id, m.name, m.functions[0]!.coding, m.functions[0]!.value, m.functions[0]!.error])).toEqual([
        [1, 'ac', '01B00', START.ac + q * 6.5, '192'],
        [2, 'light', '01A00', START.light + q * 3, '192'],
        [3, 'main', '01000', START.main + q * 10, '192'],
        [4, 'water', '02000', START.water + q * 0.25, '192'],
      ]);
      expect(Object.fromEntries(p.items.map((it) => [it.coding, it.value]))).toEqual({ '01000': 40, '01A00': 12, '01B00': 26, '02000': 1 });
    });
    // 120 a minute: continuous periods at least half a second apart (the first two are also apart by the reconnect).
    expect(got[2]!.receivedAt - got[1]!.receivedAt).toBeGreaterThanOrEqual(450);

    // Connections dropped by the platform: the collector reconnects and authenticates again.
    sim.drop();
    await waitFor(() => {
      const b = service.status()[0]!.buildings[0]!;
      return b.counters.connects === 4 && b.authenticated ? true : undefined;
    }, { timeoutMs: 10_000, what: 'the reconnect' });
    expect(sim.counters.authenticated).toBe(4);
  });
});
