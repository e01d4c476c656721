import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CF_ECHO_II_MBUS, MBUS_WATER, SUPERCAL531_MBUS } from '../../gateway/models/mbus.ts';
import { startMbusSimulator, type MbusSimulator } from '../../simulators/meter/mbus/index.ts';
import { spawnZm } from '../support/processes.ts';

/**
 * Commissioning M-Bus meters as a user does: `gateway scan` and `gateway read`, each a real
 * `zonemeter` process, against the simulator's meters behind its transparent TCP serial server.
 */
let sim: MbusSimulator;

beforeAll(async () => {
  sim = await startMbusSimulator({
    clock: { start: Date.parse('2026-03-02T08:00:00Z'), frozen: true },
    meters: [
      { model: SUPERCAL531_MBUS, address: 5, inputs: { flow_m3h: 2.5, supply_temp_c: 75, return_temp_c: 55 }, counters: { heat_energy_kwh: 12345.6, volume_m3: 789.01 } },
      { model: CF_ECHO_II_MBUS, address: 7, inputs: { flow_m3h: 1.2, supply_temp_c: 70, return_temp_c: 52.5 }, counters: { heat_energy_kwh: 4321.9, volume_m3: 100.5 } },
      { model: MBUS_WATER, address: 0, secondary: '12349999', inputs: { flow_m3h: 0.75 }, counters: { volume_m3: 55.555 } },
    ],
    rtuOverTcp: { port: 0 },
  });
});

afterAll(async () => {
  await sim?.close();
});

describe('zonemeter gateway scan and read --protocol mbus', () => {
  const zm = async (args: string[]) => {
    const p = spawnZm(['gateway', ...args, '--rtu-over-tcp', `127.0.0.1:${sim.rtuOverTcp!.port}`]);
    const { code } = await p.exited;
    return { code, out: p.other.join(''), json: p.lines[0] as Record<string, unknown> | undefined };
  };

  it('scan sweeps primary addresses and names each meter\'s model from its header', async () => {
    const r = await zm(['scan', '--protocol', 'mbus', '--addresses', '1-8', '--timeout', '300', '--json']);
    expect(r.code, r.out).toBe(0);
    expect(r.json!.meters).toEqual([
      { address: 5, secondary: '12340005', manufacturer: 'SON', version: 0x0d, medium: 4, model: 'Supercal-531-MBus' },
      { address: 7, secondary: '12340007', manufacturer: 'ACW', version: 0x09, medium: 4, model: 'CF-Echo-II-MBus' },
    ]);
  });

  it('scan --secondary finds the meter that has no primary address too', async () => {
    const r = await zm(['scan', '--protocol', 'mbus', '--secondary', '--timeout', '250', '--json']);
    expect(r.code, r.out).toBe(0);
    expect((r.json!.meters as { secondary: string; model: string }[]).map((m) => [m.secondary, m.model]).sort()).toEqual([
      ['12340005', 'Supercal-531-MBus'], ['12340007', 'CF-Echo-II-MBus'], ['12349999', 'MBus-Water'],
    ]);
  }, 50_000);

  it('read by secondary address gives the values and, with --raw, the frames', async () => {
    const r = await zm(['read', '--protocol', 'mbus', '--secondary', '12349999', '--json', '--raw']);
    expect(r.code, r.out).toBe(0);
    expect(r.json).toMatchObject({ model: 'MBus-Water', values: { volume_m3: 55.555, flow_m3h: 0.75 }, telegrams: 1 });
    expect((r.json!.raw as { what: string; response: string }[]).map((x) => x.what)).toEqual(['select 99993412ffffffff', 'REQ_UD2 253 FCB=1']);
  });

  it('read by primary address prints the measurements, and refuses what cannot work', async () => {
    const ok = await zm(['read', '--protocol', 'mbus', '--address', '5']);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/heat_energy_kwh\s+\d+(\.\d+)? kWh/);
    expect(ok.out).toContain('Sontex Supercal-531-MBus');
    const absent = await zm(['read', '--protocol', 'mbus', '--address', '9', '--timeout', '200']);
    expect(absent.code).toBe(1);
    expect(absent.out).toMatch(/primary 9: no response within 200 ms/);
    const bad = await zm(['read', '--protocol', 'mbus', '--address', '300']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--address: expected a primary address 1–250, got "300"');
    const both = await zm(['read', '--protocol', 'mbus', '--address', '5', '--secondary', '12340005']);
    expect(both.code).toBe(2);
  });
});
