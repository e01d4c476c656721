import { describe, expect, it } from 'vitest';
import { parseHex, sum8 } from '../../../../gateway/protocols/bcd.ts';
import * as D from '../../../../gateway/protocols/dlt645/frame.ts';
import * as C from '../../../../gateway/protocols/cjt188/frame.ts';
import { decodeItem, encodeItem, parseFormat } from '../../../../gateway/protocols/dlt645/values.ts';
import { decodeMetering, statusAlarms } from '../../../../gateway/protocols/cjt188/values.ts';
import { FrameError } from '../../../../gateway/protocols/errors.ts';
import { DLT645_ITEMS } from '../../../../gateway/models/index.ts';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof FrameError ? err.code : `not a FrameError: ${String(err)}`;
  }
  return 'accepted';
};

// DL/T 645-2007 Appendix A examples written out by hand from the standard's rules.
describe('DL/T 645-2007 frame rules', () => {
  const good = parseHex('68 61 01 00 00 00 00 68 91 08 33 33 34 33 59 33 33 33 8A 16');

  it('CS is the sum mod 256 from the first 68H; every DATA byte carries +33H; address low byte first', () => {
    expect(sum8(good, 0, good.length - 2)).toBe(0x8a);
    const f = D.parseFrame(good);
    expect(f.address).toBe('000000000161');
    expect(f.data.toString('hex')).toBe('0000010026000000');
  });

  it('sends four FEH, then the frame; the read-address request goes to AAH×6', () => {
    expect(D.readRequest('000000000161', 0x00010000).subarray(0, 4).toString('hex')).toBe('fefefefe');
    expect(D.readAddressRequest(0).toString('hex').toUpperCase()).toBe('68AAAAAAAAAAAA681300DF16');
  });

  it('tolerates wake-up bytes and line noise before the frame', () => {
    const noisy = Buffer.concat([parseHex('00 FF 68 12 FE FE FE FE'), good]);
    const f = D.scanFrame(noisy);
    expect(f && 'address' in f ? f.address : null).toBe('000000000161');
  });

  it('refuses each defect with its own typed error', () => {
    const bad = (i: number, v: number) => { const b = Buffer.from(good); b[i] = v; return b; };
    expect(code(() => D.parseFrame(bad(18, 0x8b)))).toBe('ERR_FRAME_CHECKSUM');
    expect(code(() => D.parseFrame(bad(19, 0x17)))).toBe('ERR_FRAME_STOP');
    expect(code(() => D.parseFrame(bad(7, 0x69)))).toBe('ERR_FRAME_START');
    expect(code(() => D.parseFrame(good.subarray(0, 15)))).toBe('ERR_FRAME_INCOMPLETE');
    expect(code(() => D.parseFrame(parseHex('00 11 22')))).toBe('ERR_FRAME_START');
    // A length byte that claims more data than came.
    const long = bad(9, 0x09);
    expect(code(() => D.parseFrame(long))).toBe('ERR_FRAME_INCOMPLETE');
    // Address digit A in a non-wildcard address: fix the checksum so only the BCD rule trips.
    const notBcd = bad(1, 0x6a);
    notBcd[18] = sum8(notBcd, 0, 18);
    expect(code(() => D.parseFrame(notBcd))).toBe('ERR_FRAME_BCD');
  });

  it('refuses a value digit above 9', () => {
    expect(code(() => decodeItem(DLT645_ITEMS.forwardActive, parseHex('2A 00 00 00')))).toBe('ERR_FRAME_BCD');
    expect(code(() => decodeItem(DLT645_ITEMS.forwardActive, parseHex('26 00 00')))).toBe('ERR_FRAME_LENGTH');
  });

  it('reads the sign bit of signed items (Appendix A: top bit of the most significant byte)', () => {
    // 02030000 XX.XXXX kW, bytes low first: 56 34 92 — the top bit of 92H is the sign, 12.3456 the value.
    expect(decodeItem(DLT645_ITEMS.activePower, parseHex('56 34 92'))).toBe(-12.3456);
    expect(decodeItem(DLT645_ITEMS.currentA, parseHex('00 05 80'))).toBe(-0.5);
    expect(encodeItem(DLT645_ITEMS.activePower, -12.3456).toString('hex')).toBe('563492');
    expect(parseFormat('XXXXXX.XX')).toEqual({ bytes: 4, decimals: 2 });
    expect(() => parseFormat('XXX.XX')).toThrow(RangeError);
  });

  it('names the error-word bits; no-such-data and authorisation are permanent', () => {
    expect(D.describeErrorWord(0x02)).toBe('no such data');
    expect(D.isPermanentError(0x02)).toBe(true);
    expect(D.isPermanentError(0x04)).toBe(true);
    expect(D.isPermanentError(0x01)).toBe(false);
  });
});

describe('CJ/T 188 frame rules', () => {
  const req = parseHex('FE FE FE FE 68 20 32 41 31 40 00 00 00 01 03 90 1F 01 20 16');

  it('has no 33H offset, a type byte and a 7-byte address', () => {
    const f = C.parseFrame(req);
    expect(f.meterType).toBe(0x20);
    expect(f.address).toBe('00000040314132');
    expect(f.data.toString('hex')).toBe('901f01');
    expect(C.dataDi(f.data)).toEqual({ di: 0x901f, order: '901F' });
    expect(C.dataDi(parseHex('1F 90 01'))).toEqual({ di: 0x901f, order: '1F90' });
  });

  it('refuses checksum, stop byte, truncation and non-BCD values with typed errors', () => {
    const bad = (i: number, v: number) => { const b = Buffer.from(req); b[i] = v; return b; };
    expect(code(() => C.parseFrame(bad(18, 0x21)))).toBe('ERR_FRAME_CHECKSUM');
    expect(code(() => C.parseFrame(bad(19, 0x17)))).toBe('ERR_FRAME_STOP');
    expect(code(() => C.parseFrame(req.subarray(0, 12)))).toBe('ERR_FRAME_INCOMPLETE');
    const water = Buffer.concat([parseHex('90 1F 00'), parseHex('0A 00 00 00 2C'), parseHex('00 00 00 00 2C'), Buffer.alloc(7), Buffer.alloc(2)]);
    expect(code(() => decodeMetering(water, 'water'))).toBe('ERR_FRAME_BCD');
    // FFH in every byte of a field means the meter does not keep it; FFH in some bytes is still not BCD.
    const partlyFF = Buffer.from(water);
    partlyFF.set([0x00, 0xff, 0xff, 0xff], 3);
    expect(code(() => decodeMetering(partlyFF, 'water'))).toBe('ERR_FRAME_BCD');
    const wrongUnit = Buffer.from(water);
    wrongUnit[3] = 0;
    wrongUnit[7] = 0x17; // kW is not a volume unit
    expect(code(() => decodeMetering(wrongUnit, 'water'))).toBe('ERR_FRAME_DATA');
    expect(code(() => decodeMetering(water.subarray(0, 21), 'water'))).toBe('ERR_FRAME_LENGTH');
  });

  it('turns ST valve and battery bits into alarms', () => {
    expect(statusAlarms(0b00)).toEqual([]);
    expect(statusAlarms(0b01)).toEqual(['valve_closed']);
    expect(statusAlarms(0b11)).toEqual(['valve_fault']);
    expect(statusAlarms(0b100)).toEqual(['battery_low']);
  });

  it('builds the read and read-address requests', () => {
    expect(C.readRequest(0x20, '00000040314132', '901F', 1, 4).toString('hex')).toBe(req.toString('hex'));
    const ra = C.readAddressRequest(0xaa, 0, 0);
    expect(ra.subarray(0, ra.length - 2).toString('hex').toUpperCase()).toBe('68AAAAAAAAAAAAAAAA03030A8100');
    expect(ra[ra.length - 2]).toBe(sum8(ra, 0, ra.length - 2));
  });
});
