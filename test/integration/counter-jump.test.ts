import { afterAll, describe, expect, it } from 'vitest';
import { serveControl, type ControlServer } from '../../simulators/building/control.ts';
import { gatewayConfigFor } from '../../simulators/building/gateway-config.ts';
import { startBuilding, type Building } from '../../simulators/building/index.ts';
import { parseSite } from '../../simulators/building/schema.ts';
import { startTestGateway, startTestIngestor, waitFor, type TestGateway, type TestIngestor } from '../support/harness.ts';

// A corrupt counter injected through the simulated building's control API while a real gateway
// polls it and streams to a real ingestor: the reading is stored raw, and usage stays what the
// meter really used.
describe('a counter jump injected through the control API', () => {
  let building: Building | undefined;
  let control: ControlServer | undefined;
  let ing: TestIngestor | undefined;
  let gw: TestGateway | undefined;
  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    await control?.close();
    await building?.close();
  });

  it('is kept as a raw reading and refused from usage, which equals the counter\'s real advance', async () => {
    const site = parseSite({
      site: 'jump', gateway: 'gw-1', seed: 3, origin: '2026-01-01',
      endpoints: [{ id: 'tcp', type: 'tcp', host: '127.0.0.1', port: 0 }],
      buildings: [{ id: 'hall', meters: [
        { id: 'hall-main', model: 'SDM630', endpoint: 'tcp', unitId: 1, zone: 'administrative', endUse: 'total', losses: 0.02 },
        { id: 'hall-a', model: 'SDM630', endpoint: 'tcp', unitId: 2, parent: 'hall-main', zone: 'administrative', endUse: 'lighting_sockets', profile: 'base', scale: 30, initial: 1000 },
      ] }],
    }, 'jump site');
    // A minute of the building's time per second, so counters move between polls.
    building = await startBuilding(site, { clock: { start: Date.parse('2026-01-05T10:00:00+08:00'), speed: 60 } });
    control = await serveControl(building, '127.0.0.1', 0);
    ing = await startTestIngestor({ gateways: [['jump', 'gw-1']] });
    const cfg = gatewayConfigFor(site, { endpoints: building.endpoints });
    gw = await startTestGateway({
      ...cfg, site: 'jump', gateway: 'gw-1',
      meters: (cfg.meters as Record<string, unknown>[]).map((m) => ({ ...m, intervalMs: 250 })),
      uplink: { url: ing.mqttUrl, username: 'gw-1', password: ing.passwords['gw-1'], batch: { maxAgeMs: 100 } },
    });
    const query = async (q: string) => (await ing!.ingestor.influx.query(q))[0]?.[0]?.values ?? [];
    const readings = async () => (await query(`SELECT "energy_import_kwh" FROM "reading" WHERE "meter" = 'hall-main'`)).map((v) => v[1] as number);
    await waitFor(async () => ((await readings()).length >= 6 ? true : undefined), { timeoutMs: 20_000, what: 'readings before the fault' });

    const res = await fetch(`${control.url}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ meter: 'hall-main', fault: { kind: 'counter_jump', value: 99_999_999 }, forMin: 1 }) });
    expect(res.status).toBe(200);
    // The SDM630 holds energy as float32: 99,999,999 reads back as 1e8.
    const jumped = (v: number) => v > 1e7;
    await waitFor(async () => ((await readings()).some(jumped) ? true : undefined), { timeoutMs: 20_000, what: `the jumped reading stored raw: ${JSON.stringify((await readings()).slice(-5))}` });
    const afterJump = (await readings()).length;
    await waitFor(async () => {
      const r = await readings();
      return r.length >= afterJump + 6 && !jumped(r.at(-1)!) ? true : undefined;
    }, { timeoutMs: 20_000, what: 'readings after the fault cleared' });

    await gw.close();
    gw = undefined;
    await ing.ingestor.usage.idle();
    const stored = (await readings()).filter((v) => !jumped(v));
    const advance = stored.at(-1)! - stored[0]!;
    expect(advance).toBeGreaterThan(0);
    const sum = async (m: string) => (await query(`SELECT sum("value") FROM "${m}" WHERE "meter" = 'hall-main'`))[0]?.[1];
    expect(await sum('usage')).toBeCloseTo(advance, 6);
    expect(await sum('usage_1d')).toBeCloseTo(advance, 6);
    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(Number(/^zm_usage_counter_jumps_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
