import { describe, expect, it } from 'vitest';
import { hex2, parseHex } from '../../../../gateway/protocols/bcd.ts';
import { decodeCjt188, decodeDlt645 } from '../../../../gateway/protocols/decode.ts';
import * as D from '../../../../gateway/protocols/dlt645/frame.ts';
import * as C from '../../../../gateway/protocols/cjt188/frame.ts';
import { decodeMetering, layoutFor } from '../../../../gateway/protocols/cjt188/values.ts';
import { FrameError } from '../../../../gateway/protocols/errors.ts';
import { findProtocolModel } from '../../../../gateway/protocols/registry.ts';
import type { Cjt188Model } from '../../../../gateway/models/index.ts';
import { CJT188_FRAMES, DLT645_FRAMES } from './captured-frames.ts';

// DL/T 645-2007 Table 4 names the error-word bits in Chinese; the decoder prints them in English.
const ERROR_BIT_NAMES: Record<string, string> = { 其他错误: 'other error', 无请求数据: 'no such data', '密码错/未授权': 'not authorised (password)' };

/** FEH wake-up bytes before the first 68H: the preamble the source's request was sent with. */
const preambleOf = (bytes: Uint8Array) => bytes.indexOf(0x68);

describe('DL/T 645-2007 frames published by others decode to the values their sources state', () => {
  for (const c of DLT645_FRAMES) {
    it(c.source, () => {
      const d = decodeDlt645(parseHex(c.hex), c.model);
      if (c.stated.address) expect(d.address).toBe(c.stated.address);
      if (c.stated.control !== undefined) expect(d.control).toBe(c.stated.control);
      if (c.stated.di !== undefined) expect(d.di).toBe(D.diText(c.stated.di));
      if (c.stated.value !== undefined) {
        expect(d.values).toHaveLength(1);
        expect(d.values[0]!.value).toBe(c.stated.value);
        expect(d.values[0]!.unit).toBe(c.stated.unit);
      }
      // A request the source prints is exactly what zonemeter sends for the same address and DI.
      const bytes = parseHex(c.hex);
      if (c.stated.control === D.FN_READ && c.stated.di !== undefined && c.stated.address) {
        expect(D.readRequest(c.stated.address, c.stated.di, preambleOf(bytes)).toString('hex')).toBe(bytes.toString('hex'));
      }
      if (c.stated.control === D.FN_READ_ADDRESS) expect(D.readAddressRequest(preambleOf(bytes)).toString('hex')).toBe(bytes.toString('hex'));
      // An error reply carries no value, only its error word and what the word means.
      if (c.stated.control === (D.REPLY | D.ABNORMAL | D.FN_READ)) {
        expect(d.values).toEqual([]);
        expect(d.meaning).toContain('error reply to read data');
        expect(d.error).toMatch(/^error word [0-9A-F]{2}H: /);
        if (c.stated.errorWord !== undefined) {
          expect(d.error).toContain(`error word ${hex2(c.stated.errorWord)}H`);
          expect(d.error).toContain(ERROR_BIT_NAMES[c.stated.errorMeaning!]);
        }
      }
      // A read-address reply carries the meter's address in DATA, and its address field says the same.
      if (c.stated.control === (D.REPLY | D.FN_READ_ADDRESS)) {
        expect(d.values).toEqual([{ name: 'address', value: c.stated.address, unit: '' }]);
      }
    });
  }
  it('covers at least five answers with stated values, an error reply and a read-address reply', () => {
    expect(DLT645_FRAMES.filter((c) => c.stated.value !== undefined).length).toBeGreaterThanOrEqual(5);
    expect(DLT645_FRAMES.some((c) => c.stated.control === 0xd1 && c.stated.errorWord !== undefined)).toBe(true);
    expect(DLT645_FRAMES.some((c) => c.stated.control === 0x93)).toBe(true);
  });
});

describe('CJ/T 188 frames published by others', () => {
  for (const c of CJT188_FRAMES) {
    it(c.source, () => {
      const bytes = parseHex(c.hex);
      const model = findProtocolModel('cjt188', c.model!) as Cjt188Model;
      if (c.refusedWith) {
        const err = (() => { try { C.parseFrame(bytes); } catch (e) { return e; } return null; })();
        expect(err).toBeInstanceOf(FrameError);
        expect((err as FrameError).code).toBe(c.refusedWith);
        // What the source explains is the DATA: DI 1F 90, SER, values, time, status.
        const data = bytes.subarray(4 + 11, bytes.length - 2);
        const m = decodeMetering(data, 'water', model.unitFirst === true);
        for (const [field, v] of Object.entries(c.stated.fields ?? {})) {
          expect(m.fields[field as keyof typeof m.fields], field).toMatchObject(v);
        }
        expect(m.time).toBe(c.stated.time);
        return;
      }
      const d = decodeCjt188(bytes, c.model);
      expect(d.address).toBe(c.stated.address);
      expect(d.meterType).toBe(c.stated.meterType);
      expect(d.control).toBe(c.stated.control);
      expect(d.di?.startsWith(c.stated.di!.toString(16).toUpperCase())).toBe(true);
      for (const [field, v] of Object.entries(c.stated.fields ?? {})) {
        expect(d.values.find((x) => x.name === field), field).toMatchObject(v);
      }
      if (c.stated.control === (C.REPLY | C.FN_READ)) {
        // Fields the meter fills with FFH are absent, not refused; the clock likewise.
        const m = decodeMetering(C.parseFrame(bytes).data, layoutFor(model.kind), model.unitFirst === true);
        for (const field of c.stated.notKept ?? []) expect(m.fields[field as keyof typeof m.fields], field).toBeUndefined();
        if (c.stated.time !== undefined) expect(m.time).toBe(c.stated.time);
      }
      // The model's DI order reproduces the request the source prints, byte for byte.
      const ser = bytes[bytes.length - 3]!;
      if (c.stated.control === C.FN_READ) {
        expect(C.readRequest(model.meterType, c.stated.address!, model.diOrder, ser, preambleOf(bytes)).toString('hex')).toBe(bytes.toString('hex'));
      }
      if (c.stated.control === C.FN_READ_ADDRESS) {
        expect(C.readAddressRequest(model.meterType, ser, preambleOf(bytes)).toString('hex')).toBe(bytes.toString('hex'));
      }
      // A read-address reply names the meter it came from.
      if (c.stated.control === (C.REPLY | C.FN_READ_ADDRESS)) {
        expect(d.values).toEqual([{ name: 'address', value: c.stated.address, unit: '' }]);
      }
    });
  }
  it('covers at least five frames, a read-address reply among them', () => {
    expect(CJT188_FRAMES.length).toBeGreaterThanOrEqual(5);
    expect(CJT188_FRAMES.some((c) => c.stated.control === 0x83)).toBe(true);
  });
  it('the JY answer normalises to kWh, m³ and °C as the gateway publishes them', () => {
    const jy = CJT188_FRAMES.find((c) => c.model === 'JY-Heat' && c.stated.control === 0x81)!;
    const data = C.parseFrame(parseHex(jy.hex)).data;
    const m = decodeMetering(data, 'heat', true);
    expect(m.fields.current_heat?.normalized).toBe(20); // 0.02 MWh
    expect(m.fields.cumulative_volume?.normalized).toBe(10.34);
    expect(m.time).toBe('2015-07-10 12:00:53');
  });
});
