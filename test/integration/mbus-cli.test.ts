import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrameLink } from '../../gateway/drivers/frame-link.ts';
import { CF_ECHO_II_MBUS, MBUS_WATER, MULTICAL601_MBUS, SUPERCAL531_MBUS } from '../../gateway/models/mbus.ts';
import { mapRecords, readout, sndNke } from '../../gateway/protocols/mbus/index.ts';
import { startMbusSimulator, type MbusSimulator } from '../../simulators/meter/mbus/index.ts';
import { spawnZm } from '../support/processes.ts';

/**
 * The M-Bus commands as a user runs them: `sim meter --protocol mbus`, `gateway decode`, `gateway
 * scan` and `gateway read`, each a real `zonemeter` process; the meters they talk to are the
 * simulator's, behind its transparent TCP serial server.
 */
let sim: MbusSimulator;
const opts = { timeoutMs: 400 };

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

describe('zonemeter sim meter --protocol mbus', () => {
  it('serves a model on a TCP serial server, answers at its primary and secondary address, and refuses bad flags', async () => {
    const bad = spawnZm(['sim', 'meter', '--protocol', 'mbus', '--model', 'CF-Echo-II-MBus', '--rtu-over-tcp', '127.0.0.1:0', '--address', '251']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.other.join('')).toMatch(/--address: expected integers 0–250, got "251"/);

    const p = spawnZm(['sim', 'meter', '--protocol', 'mbus', '--model', 'Multical-601-MBus', '--rtu-over-tcp', '127.0.0.1:0',
      '--address', '3', '--secondary', '77001234', '--set', 'heat_energy_kwh=5000', '--flow', '0.9', '--speed', '0']);
    try {
      const deadline = Date.now() + 20_000;
      let m: RegExpMatchArray | null = null;
      while (!(m = p.other.join('').match(/rtu-over-tcp 127\.0\.0\.1:(\d+)/)) && Date.now() < deadline && p.alive()) await new Promise((r) => setTimeout(r, 50));
      expect(m, p.other.join('')).not.toBeNull();
      expect(p.other.join('')).toContain('serving M-Bus Multical-601-MBus address 3 / secondary 77001234');
      const tcp = createFrameLink({ type: 'rtu-over-tcp', host: '127.0.0.1', port: Number(m![1]) });
      try {
        const byPrimary = await readout(tcp, { primary: 3 }, opts);
        const bySecondary = await readout(tcp, { secondary: '77001234' }, opts);
        for (const r of [byPrimary, bySecondary]) {
          expect(r.telegrams[0]!.header.secondary).toMatchObject({ id: '77001234', manufacturer: 'KAM' });
          const { values } = mapRecords(r.records, MULTICAL601_MBUS.items);
          expect(values.heat_energy_kwh).toBe(5000);
          expect(values.flow_m3h).toBe(0.9);
        }
        await expect(sndNke(tcp, 4, { timeoutMs: 200 })).rejects.toMatchObject({ failureClass: 'timeout' });
      } finally {
        await tcp.close();
      }
    } finally {
      await p.stop();
    }
  });
});

describe('zonemeter gateway decode --protocol mbus', () => {
  const run = async (args: string[]) => {
    const p = spawnZm(['gateway', 'decode', '--protocol', 'mbus', ...args]);
    const { code } = await p.exited;
    // JSON lines on stdout land in p.lines, the rest in p.other.
    return { code, out: p.other.join(''), json: p.lines[0] };
  };

  it('decodes a libmbus frame to records and measurements, as JSON too', async () => {
    const hex = readFileSync(path.resolve(import.meta.dirname, '../fixtures/mbus/kamstrup_multical_601.hex'), 'latin1').trim();
    const text = await run(['--hex', hex]);
    expect(text.code).toBe(0);
    expect(text.out).toContain('id 06855817  manufacturer KAM');
    expect(text.out).toMatch(/heat_energy_kwh\s+37351 kWh/);
    const json = await run(['--hex', hex, '--model', 'Multical-601-MBus', '--json']);
    expect(json.code).toBe(0);
    const out = json.json as unknown as { model: string; values: Record<string, number>; records: unknown[] };
    expect(out.model).toBe('Multical-601-MBus');
    expect(out.records).toHaveLength(28);
    expect(out.values).toEqual({
      heat_energy_kwh: 37351, volume_m3: 561.08, flow_m3h: 0.543, heat_power_kw: 34.7, supply_temp_c: 101.69, return_temp_c: 46.16, temp_diff_k: 55.53,
    });
  });

  it('refuses an application error, a bad checksum, bad hex and an unknown model', async () => {
    const busy = await run(['--hex', '68 04 04 68 08 01 70 08 81 16']);
    expect(busy.code).toBe(1);
    expect(busy.out).toContain('ERR_MBUS_APPLICATION');
    const cs = await run(['--hex', '10 5B 01 5D 16']);
    expect(cs.code).toBe(1);
    expect(cs.out).toContain('ERR_MBUS_FRAME_CHECKSUM');
    const hex = await run(['--hex', '10 5B 0']);
    expect(hex.code).toBe(2);
    expect(hex.out).toContain('--hex: expected hex bytes');
    const model = await run(['--hex', '10 5B 01 5C 16', '--model', 'nope']);
    expect(model.code).toBe(2);
    expect(model.out).toContain('unknown M-Bus model "nope"');
  });
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
