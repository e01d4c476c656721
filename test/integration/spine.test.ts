import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../gateway/models/index.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';
import { startTestGateway, startTestIngestor, waitFor, type TestGateway, type TestIngestor } from '../support/harness.ts';

// The spine, for real: Modbus TCP simulator → gateway → MQTT (aedes) → ingestor → InfluxDB → HTTP.
describe('end-to-end spine', () => {
  let sim: MeterSimulator;
  let ing: TestIngestor;
  let gw: TestGateway;

  beforeAll(async () => {
    sim = await startMeterSimulator({
      tcp: { host: '127.0.0.1', port: 0 },
      clock: { frozen: true },
      meters: [{ unitId: 7, model: findModel('SDM630')!, inputs: { power_kw: 42.5 }, counters: { energy_import_kwh: 12_345.5 } }],
    });
    ing = await startTestIngestor({ gateways: [['hq', 'gw-1']] });
    gw = await startTestGateway({
      site: 'hq', gateway: 'gw-1', building: 'tower',
      uplink: { url: ing.mqttUrl, username: 'gw-1', password: ing.passwords['gw-1'], batch: { maxAgeMs: 100 } },
      buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: sim.tcp!.port }],
      meters: [{ id: 'main', bus: 'tcp-1', unitId: 7, model: 'SDM630', zone: 'administrative', endUse: 'total', role: 'main', intervalMs: 1000 }],
    });
  });

  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    await sim?.close();
  });

  async function latest(): Promise<{ ts: number; values: Record<string, number>; zone: string; building: string } | undefined> {
    const res = await fetch(`${ing.url}/api/v1/meters/main/latest`);
    return res.status === 200 ? ((await res.json()) as never) : undefined;
  }

  it('serves the simulator state from InfluxDB through the API', async () => {
    const truth = sim.meter(7).get();
    const before = Date.now();
    const got = await waitFor(latest, { what: 'a stored reading' });
    expect(got.building).toBe('tower');
    expect(got.zone).toBe('administrative');
    expect(Object.keys(got.values).sort()).toEqual(Object.keys(truth).sort());
    for (const [k, v] of Object.entries(truth)) expect(got.values[k], k).toBeCloseTo(v!, 6);
    expect(got.values.energy_import_kwh).toBeCloseTo(12_345.5, 3);
    expect(got.values.power_kw).toBeCloseTo(42.5, 3);
    expect(got.ts).toBeGreaterThan(before - 5_000);
  });

  it('follows a change of state in the simulator', async () => {
    sim.meter(7).setCounter('energy_import_kwh', 20_000.25).set({ power_kw: 7.5 });
    const changed = Date.now();
    const got = await waitFor(async () => {
      const l = await latest();
      return l && l.ts > changed && l.values.power_kw !== undefined && Math.abs(l.values.power_kw - 7.5) < 1e-3 ? l : undefined;
    }, { what: 'the new state', timeoutMs: 10_000 });
    expect(got.values.energy_import_kwh).toBeCloseTo(20_000.25, 2);
    expect(got.values.current_l1_a).toBeCloseTo(sim.meter(7).get().current_l1_a!, 6);
  });

  it('reports the gateway and its meters', async () => {
    const gws = (await (await fetch(`${ing.url}/api/v1/gateways`)).json()) as { gateways: { gateway: string; online: boolean; meters: number }[] };
    expect(gws.gateways).toMatchObject([{ gateway: 'gw-1', online: true, meters: 1 }]);
    const status = (await (await fetch(`${gw.healthUrl}/api/v1/status`)).json()) as { meters: { id: string; online: boolean }[]; uplink: { state: string } };
    expect(status.meters).toMatchObject([{ id: 'main', online: true }]);
    expect(status.uplink.state).toBe('online');
  });
});
