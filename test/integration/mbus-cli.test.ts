import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFrameLink } from '../../gateway/drivers/frame-link.ts';
import { MULTICAL601_MBUS } from '../../gateway/models/mbus.ts';
import { mapRecords, readout, sndNke } from '../../gateway/protocols/mbus/index.ts';
import { spawnZm } from '../support/processes.ts';

/**
 * The M-Bus simulator and decoder as a user runs them: `sim meter --protocol mbus` and `gateway
 * decode --protocol mbus`, each a real `zonemeter` process.
 */
const opts = { timeoutMs: 400 };

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
