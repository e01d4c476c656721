import { describe, expect, it } from 'vitest';
import { findModel, type RegisterDef } from '../../../../gateway/models/index.ts';
import {
  DEFAULT_LIMITS, bitsPerChar, limitsFor, onePerValue, planReads, silenceMs, wireEfficiency, wireFigures,
} from '../../../../gateway/poll/planner.ts';

const r = (address: number, type: RegisterDef['type'] = 'float32', fc: 3 | 4 = 4): RegisterDef =>
  ({ measurement: 'power_kw', fc, address, type, order: 'ABCD', scale: 1 });
const spans = (regs: RegisterDef[], limits = DEFAULT_LIMITS) => planReads(regs, limits).map((q) => [q.fc, q.address, q.count]);

describe('planReads', () => {
  it('merges adjacent registers into one request, in address order', () => {
    expect(spans([r(4), r(0), r(2)])).toEqual([[4, 0, 6]]);
  });

  it('joins across a hole of at most maxGap registers and splits beyond it', () => {
    const limits = { ...DEFAULT_LIMITS, maxGap: 10 };
    expect(spans([r(0), r(12)], limits)).toEqual([[4, 0, 14]]); // hole 2..12 = 10
    expect(spans([r(0), r(13)], limits)).toEqual([[4, 0, 2], [4, 13, 2]]); // hole 11
  });

  it('never lets a request exceed maxRegisters', () => {
    const limits = { ...DEFAULT_LIMITS, maxRegisters: 6 };
    expect(spans([r(0), r(2), r(4), r(6)], limits)).toEqual([[4, 0, 6], [4, 6, 2]]);
  });

  it('does not span a boundary, but may end or start on one', () => {
    const limits = { ...DEFAULT_LIMITS, boundaries: [4] };
    expect(spans([r(0), r(2), r(4), r(6)], limits)).toEqual([[4, 0, 4], [4, 4, 4]]);
    expect(spans([r(0), r(3)], limits)).toEqual([[4, 0, 2], [4, 3, 2]]); // 3..5 crosses 4
  });

  it('keeps function codes apart, holding registers first', () => {
    expect(spans([r(0, 'float32', 4), r(2, 'float32', 3), r(0, 'uint16', 3)])).toEqual([[3, 0, 4], [4, 0, 2]]);
  });

  it('sizes requests by register width (uint16 1, int64 4)', () => {
    expect(spans([r(0, 'uint16'), r(1, 'int64')])).toEqual([[4, 0, 5]]);
  });

  it('caps a model limit at the Modbus maximum of 125', () => {
    expect(limitsFor({ limits: { maxRegisters: 300 } }).maxRegisters).toBe(125);
    expect(limitsFor({ limits: { maxGap: 4 } }, { maxGap: 7 }).maxGap).toBe(7);
  });
});

describe('RTU wire figures', () => {
  const line8N1 = { baud: 9600, bitsPerChar: bitsPerChar() };

  it('counts bits per character: 8N1 10, 8E1 11, 8N2 11', () => {
    expect(bitsPerChar()).toBe(10);
    expect(bitsPerChar({ parity: 'even' })).toBe(11);
    expect(bitsPerChar({ stopBits: 2 })).toBe(11);
  });

  it('uses 3.5 characters of silence up to 19200 baud and 1.75 ms above', () => {
    expect(silenceMs(line8N1)).toBeCloseTo((3.5 * 10 * 1000) / 9600, 12);
    expect(silenceMs({ baud: 38400, bitsPerChar: 11 })).toBe(1.75);
  });

  it('one float per request: 8 + 9 bytes, 4 of them payload (≈ 24 %)', () => {
    const f = wireFigures(onePerValue([r(0)]), line8N1);
    expect(f).toMatchObject({ requests: 1, bytes: 17, payloadBytes: 4, usefulBytes: 4 });
    expect(f.payloadShare).toBeCloseTo(4 / 17, 12);
    expect(f.lineTimeMs).toBeCloseTo((17 * 10 * 1000) / 9600, 12);
    expect(f.lineTimeWithSilenceMs).toBeCloseTo(((17 + 7) * 10 * 1000) / 9600, 12);
  });

  it('SDM630 full read at 9600 8N1: 2 requests, 190 bytes, payload 164 (86.3 %)', () => {
    const e = wireEfficiency(findModel('SDM630')!, line8N1);
    // 30001–30080 in one 80-register read (the 40-parameter limit), neutral current 30225 alone.
    expect(e.plan.map((q) => [q.fc, q.address, q.count])).toEqual([[4, 0, 80], [4, 224, 2]]);
    // (8 + 5 + 160) + (8 + 5 + 4) = 190 bytes; payload 160 + 4; wanted 19 floats = 76 bytes.
    expect(e.planned).toMatchObject({ requests: 2, bytes: 190, payloadBytes: 164, usefulBytes: 76 });
    expect(e.planned.payloadShare).toBeCloseTo(164 / 190, 12);
    expect(e.planned.payloadShare).toBeGreaterThanOrEqual(0.85);
    expect(e.planned.usefulShare).toBeCloseTo(76 / 190, 12);
    expect(e.planned.lineTimeMs).toBeCloseTo(1900 / 9.6, 9); // 197.9 ms
    // 4 frames × 3.5 characters of silence: 204 character times, payload 164 of them.
    expect(e.planned.lineTimeWithSilenceMs).toBeCloseTo(2040 / 9.6, 9);
    expect(e.planned.payloadShareWithSilence).toBeCloseTo(164 / 204, 12);
    // 19 requests of 17 bytes.
    expect(e.onePerValue).toMatchObject({ requests: 19, bytes: 323, payloadBytes: 76 });
    expect(e.onePerValue.payloadShare).toBeCloseTo(4 / 17, 12);
  });

  it('8E1 stretches line time by 11/10 but leaves the shares alone', () => {
    const a = wireEfficiency(findModel('SDM630')!, line8N1).planned;
    const b = wireEfficiency(findModel('SDM630')!, { baud: 9600, bitsPerChar: bitsPerChar({ parity: 'even' }) }).planned;
    expect(b.lineTimeMs / a.lineTimeMs).toBeCloseTo(1.1, 12);
    expect(b.payloadShare).toBe(a.payloadShare);
  });

  it('a smaller maxGap trades payload share for fewer unwanted bytes', () => {
    const wide = wireEfficiency(findModel('SDM630')!, line8N1).planned;
    const tight = wireEfficiency(findModel('SDM630')!, line8N1, { maxGap: 0 }).planned;
    expect(tight.requests).toBeGreaterThan(wide.requests);
    expect(tight.usefulBytes).toBe(wide.usefulBytes);
    expect(tight.payloadBytes).toBeLessThan(wide.payloadBytes);
    expect(tight.payloadShare).toBeLessThan(wide.payloadShare);
  });
});
