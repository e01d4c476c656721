import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { WIRE_VERSION } from '../../core/index.ts';
import { Directory } from '../../ingestor/ingest/directory.ts';
import { PlatformsSchema } from '../../ingestor/platforms/config.ts';
import { PlatformService } from '../../ingestor/platforms/index.ts';
import { InfluxClient } from '../../ingestor/store/influx.ts';
import { PlatformSimulator } from '../../simulators/platform/index.ts';
import { tempDir, waitFor } from '../support/harness.ts';

// With InfluxDB unreachable the reporter cannot read a period: it says so and keeps its platform
// session (authenticated, heartbeating) instead of dropping it, and sends nothing it has not read.
describe('platform reporting while InfluxDB is away', () => {
  const tmp = tempDir('zm-platform-noinflux-');
  let sim: PlatformSimulator;
  let service: PlatformService;
  afterAll(async () => { await service?.close(); await sim?.close(); tmp.remove(); });

  it('stays authenticated, reports the InfluxDB error and sends nothing', async () => {
    const key = Buffer.alloc(16, 3);
    sim = new PlatformSimulator({ port: 0, secret: 'x', key, iv: key });
    await sim.up();
    const directory = new Directory(tmp.dir, pino({ level: 'silent' }));
    directory.setManifest({ v: WIRE_VERSION, site: 'demo', gateway: 'gw-1', ts: Date.now(), replacements: [], meters: [
      { id: 'm1', building: 'main', kind: 'electricity', model: 'SDM630', zone: 'administrative', end_use: 'total', role: 'main', multiplier: 1 },
    ] });
    const [cfg] = PlatformsSchema.parse([{
      id: 'p', host: '127.0.0.1', port: sim.port, key: key.toString('hex'), iv: key.toString('hex'), secret: 'x', heartbeatS: 1,
      from: new Date(Date.now() - 3 * 3_600_000).toISOString(), retry: { minMs: 100, maxMs: 200 },
      buildings: [{ site: 'demo', building: 'main', buildingId: '330100A001', gatewayId: '01' }],
    }]);
    service = new PlatformService([cfg!], {
      influx: new InfluxClient({ url: `http://127.0.0.1:${await freePort()}`, database: 'none', maxPointsPerWrite: 1, flushMs: 0 }),
      directory, dataDir: tmp.dir, utcOffsetHours: 8, now: Date.now, log: pino({ level: 'silent' }),
    });
    service.start();
    const p = await waitFor(() => {
      const s = service.status()[0]!;
      return s.authenticated && s.buildings[0]!.lastError?.startsWith('InfluxDB:') && s.counters.heartbeats > 0 ? s : undefined;
    }, { timeoutMs: 15_000, what: 'the InfluxDB error with the session kept' });
    expect(p.connected).toBe(true);
    expect(p.lastError).toMatch(/^main: InfluxDB:/);
    expect(p.counters.sent).toBe(0);
    expect(p.buildings[0]!.backlog).toBeGreaterThanOrEqual(11);
    expect(sim.periods()).toHaveLength(0);
    expect(sim.counters.connections).toBe(1);
  });
});
