import { describe, expect, it } from 'vitest';
import type {
  MbusError} from '../../../../../gateway/protocols/mbus/index.ts';
import { decodeManufacturer, decodeResponse, encodeLong, encodeManufacturer, encodeShort, parseFrame, parseHex,
  scaled, takeFrame, REQ_UD2, SND_NKE, FCB, CI,
} from '../../../../../gateway/protocols/mbus/index.ts';

const codeOf = (f: () => unknown) => { try { f(); } catch (e) { return (e as MbusError).code; } return undefined; };

describe('EN 13757-2 link layer', () => {
  it('short frames: SND_NKE to 1 and REQ_UD2 with FCB to 250 as the standard lays them out', () => {
    // C + A = CS; 40H + 01H = 41H.
    expect(encodeShort(SND_NKE, 1)).toEqual(parseHex('10 40 01 41 16'));
    expect(encodeShort(REQ_UD2 | FCB, 250)).toEqual(parseHex('10 7B FA 75 16'));
    expect(parseFrame(parseHex('10 7B FA 75 16'))).toEqual({ type: 'short', c: 0x7b, a: 250 });
  });

  it('a long frame round-trips and its checksum covers C, A, CI and data', () => {
    // Secondary selection of 12345678, any manufacturer, version and medium (EN 13757-3 11.4).
    const f = encodeLong(0x53, 0xfd, CI.SELECT, parseHex('78 56 34 12 FF FF FF FF'));
    expect(f).toEqual(parseHex('68 0B 0B 68 53 FD 52 78 56 34 12 FF FF FF FF B2 16'));
    expect(parseFrame(f)).toMatchObject({ type: 'long', c: 0x53, a: 0xfd, ci: 0x52 });
  });

  it('refuses damaged frames with a code naming the fault', () => {
    expect(codeOf(() => parseFrame(parseHex('10 40 01 42 16')))).toBe('ERR_MBUS_FRAME_CHECKSUM');
    expect(codeOf(() => parseFrame(parseHex('10 40 01 41 17')))).toBe('ERR_MBUS_FRAME_STOP');
    expect(codeOf(() => parseFrame(parseHex('68 04 05 68 08 01 72 00 7B 16')))).toBe('ERR_MBUS_FRAME_LENGTH');
    expect(codeOf(() => parseFrame(parseHex('68 03 03 69 08 01 72 7B 16')))).toBe('ERR_MBUS_FRAME_START');
    expect(codeOf(() => parseFrame(parseHex('68 03 03 68 08 01 72 7B')))).toBe('ERR_MBUS_FRAME_INCOMPLETE');
    expect(codeOf(() => parseFrame(parseHex('A5')))).toBe('ERR_MBUS_FRAME_START');
  });

  it('takeFrame waits for the whole frame and says how many bytes it used', () => {
    const f = parseHex('68 03 03 68 08 01 72 7B 16');
    expect(takeFrame(f.subarray(0, 2))).toBeUndefined();
    expect(takeFrame(f.subarray(0, 8))).toBeUndefined();
    expect(takeFrame(Buffer.concat([parseHex('E5'), f]))).toEqual({ frame: { type: 'ack' }, used: 1 });
  });

  it('parseHex names what is wrong with the input', () => {
    expect(() => parseHex('68 0G')).toThrow(/not a hex digit: "G"/);
    expect(() => parseHex('68 0')).toThrow(/odd number/);
    expect(() => parseHex('  ')).toThrow(/no hex bytes/);
    expect(parseHex('0x68,0x03')).toEqual(Buffer.from([0x68, 0x03]));
  });
});

describe('EN 13757-3 details', () => {
  it('manufacturer ids pack three letters into 15 bits', () => {
    expect(encodeManufacturer('KAM')).toBe(0x2c2d);
    expect(decodeManufacturer(0x2c2d)).toBe('KAM');
    expect(decodeManufacturer(0x4dee)).toBe('SON');
    expect(decodeManufacturer(0x0000)).toBe('?0000');
  });

  it('a short-header (CI 7AH) telegram decodes with its records', () => {
    // Access 1, status 0, signature 0; then energy 12345 kWh (04 06) and volume 6.78 m³ (0C 14).
    const data = parseHex('01 00 00 00 04 06 39 30 00 00 0C 14 78 06 00 00');
    const t = decodeResponse(encodeLong(0x08, 5, CI.VARIABLE_SHORT, data));
    expect(t.header.secondary).toBeUndefined();
    expect(t.records.map((r) => [r.quantity, r.unit, scaled((r.value as { raw: number }).raw, r.exponent)])).toEqual([
      ['energy', 'Wh', 12345000], ['volume', 'm³', 6.78],
    ]);
  });

  it('a combinable ×10^n VIFE changes the value, and FBH/FDH reach their tables', () => {
    // Energy Wh×10^0 with VIFE 7DH (×10^3) = kWh; volume 10^(0+2) m³ from FB 10H; firmware from FD 0EH.
    const data = parseHex('78 56 34 12 2D 2C 01 04 00 00 00 00 02 80 7D 07 00 01 FB 10 03 01 FD 0E 05');
    const t = decodeResponse(encodeLong(0x08, 5, CI.VARIABLE, data));
    expect(t.records.map((r) => [r.quantity, r.exponent, (r.value as { raw: number }).raw])).toEqual([
      ['energy', 0, 7], ['volume', 2, 3], ['firmware_version', 0, 5],
    ]);
  });

  it('a fixed data structure (CI 73H) gives two counters with their units', () => {
    // Id 12345678, access 1, status 00 (BCD counters), medium/unit 05 (kWh) + 2C (m³) with medium heat
    // (04H: bits 1–0 in the first byte's top bits, bits 3–2 in the second's), counters 4711 and 815.
    const data = parseHex('78 56 34 12 01 00 05 6C 11 47 00 00 15 08 00 00');
    const t = decodeResponse(encodeLong(0x08, 5, CI.FIXED, data));
    expect(t.header.secondary).toMatchObject({ id: '12345678', medium: 0x04 });
    expect(t.records.map((r) => [r.quantity, r.unit, scaled((r.value as { raw: number }).raw, r.exponent)])).toEqual([
      ['energy', 'Wh', 4711000], ['volume', 'm³', 815],
    ]);
  });

  it('scaled() reads reals to the digits a float32 carries', () => {
    expect(scaled(2071, -2)).toBe(20.71);
    expect(scaled(Math.fround(31.147324), 0)).toBe(31.147324); // not 31.14732360839844
    expect(scaled(Math.fround(-0.170722), 3)).toBe(-170.722);
  });
});
