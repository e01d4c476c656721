import { describe, expect, it } from 'vitest';
import { MODELS, findModel, genericModel, guessModels, type ReadRegisters } from '../../../../gateway/models/index.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A device as a map "fc:address" → one register's two bytes; anything else is an exception. */
function device(words: Record<string, string>): { read: ReadRegisters; calls: string[] } {
  const calls: string[] = [];
  const read: ReadRegisters = async (fc, address, count) => {
    calls.push(`${fc}:${address}:${count}`);
    const parts: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const w = words[`${fc}:${address + i}`];
      if (w === undefined) return null;
      parts.push(hex(w));
    }
    return Buffer.concat(parts);
  };
  return { read, calls };
}

describe('guessModels', () => {
  it('guesses an SDM630 from its voltages and frequency, ahead of the single-phase SDMs', async () => {
    // 224.1466 V (Tasmota #13224 capture) on L1 and L2, 50.0 Hz (42 48 00 00) at 30071.
    const { read, calls } = device({
      '4:0': '4360', '4:1': '2588', '4:2': '4360', '4:3': '2588', '4:70': '4248', '4:71': '0000',
    });
    const guesses = await guessModels(read);
    expect(guesses[0]?.model.name).toBe('SDM630');
    expect(guesses.map((g) => g.model.name)).toEqual(expect.arrayContaining(['SDM120', 'SDM72DM-V2']));
    expect(guesses.map((g) => g.model.name)).not.toContain('DTSU666');
    expect(new Set(calls).size).toBe(calls.length); // each register read once
  });

  it('rejects a device whose frequency register holds something else', async () => {
    const { read } = device({ '4:0': '4360', '4:1': '2588', '4:70': '4348', '4:71': '0000' }); // 200 "Hz"
    expect((await guessModels(read)).map((g) => g.model.name)).not.toContain('SDM120');
  });

  it('guesses nothing on a silent bus and survives a throwing reader', async () => {
    expect(await guessModels(device({}).read)).toEqual([]);
    expect(await guessModels(async () => { throw new Error('timeout'); })).toEqual([]);
  });

  it('only checks models that carry hints', async () => {
    const { read } = device({});
    const withoutHints = MODELS.filter((m) => !m.identify?.length);
    expect(await guessModels(read, withoutHints)).toEqual([]);
  });
});

describe('genericModel', () => {
  it('builds a model from config registers, with defaults for order, scale and offset', () => {
    const m = genericModel([
      { measurement: 'volume_m3', fc: 3, address: 10, type: 'uint32', order: 'CDAB', scale: 0.001 },
      { measurement: 'flow_m3h', fc: 4, address: 0, type: 'float32' },
    ], 'water');
    expect(m.kind).toBe('water');
    expect(m.registers[1]).toEqual({ measurement: 'flow_m3h', fc: 4, address: 0, type: 'float32', order: 'ABCD', scale: 1, offset: 0 });
    expect(findModel(m.name)).toBeUndefined();
  });

  it('refuses what the config schema would refuse', () => {
    expect(() => genericModel([], 'water')).toThrow(RangeError);
    expect(() => genericModel([{ measurement: 'litres', fc: 3, address: 0, type: 'uint16' }], 'water')).toThrow(/unknown measurement/);
    expect(() => genericModel([{ measurement: 'volume_m3', fc: 3, address: 0, type: 'uint16', scale: 0 }], 'water')).toThrow(/scale/);
    expect(() => genericModel([{ measurement: 'volume_m3', fc: 3, address: 70000, type: 'uint16' }], 'water')).toThrow(/address/);
  });
});
