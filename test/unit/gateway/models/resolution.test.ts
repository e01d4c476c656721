import { describe, expect, it } from 'vitest';
import { CJT188_MODELS } from '../../../../gateway/models/cjt188-vendors.ts';
import { DLT645_MODELS } from '../../../../gateway/models/dlt645.ts';
import { MODELS, REGISTER_WIDTH, decodeRegister, encodeRegister } from '../../../../gateway/models/index.ts';
import { decimalsOf, registerDecimals, stepDecimals } from '../../../../gateway/models/resolution.ts';
import { UNITS, decodeMetering, layoutFor } from '../../../../gateway/protocols/cjt188/values.ts';
import { decodeItem, parseFormat } from '../../../../gateway/protocols/dlt645/values.ts';
import { buildReading } from '../../../../gateway/poll/reading.ts';

// Decoded values must carry no more decimals than the register's resolution: no binary noise
// (229.60000000000002) reaches the journal, the wire or InfluxDB. Checked over every built-in
// model with random register bytes (every bit pattern a meter could send) and with values a
// working meter sends, encoded the way the simulators do.

/** A small deterministic generator, so a failure names bytes that come back on the next run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bcdBytes = (n: number, next: () => number) => Buffer.from(Array.from({ length: n }, () => {
  const hi = Math.floor(next() * 10);
  const lo = Math.floor(next() * 10);
  return (hi << 4) | lo;
}));

describe('decoded values carry no more decimals than their resolution', () => {
  for (const model of MODELS) {
    it(`Modbus ${model.name}: every register, 500 random byte patterns and working values`, () => {
      const next = rng(model.name.length * 7919);
      for (const def of model.registers) {
        const max = registerDecimals(def);
        const width = REGISTER_WIDTH[def.type] * 2;
        for (let i = 0; i < 500; i++) {
          const block = Buffer.from(Array.from({ length: width }, () => Math.floor(next() * 256)));
          const v = decodeRegister(def, block, def.address);
          if (!Number.isFinite(v)) continue;
          expect(decimalsOf(v), `${def.measurement} from ${block.toString('hex')} = ${v}`).toBeLessThanOrEqual(max);
        }
        for (const sent of [229.6, 0.93, 49.98, 412337.12, 17.7011, 0.545, 36.625]) {
          let wire: Buffer;
          try {
            wire = encodeRegister(def, sent);
          } catch {
            continue; // more than the register holds
          }
          const v = decodeRegister(def, wire, def.address);
          expect(decimalsOf(v), `${def.measurement} sent ${sent}, decoded ${v}`).toBeLessThanOrEqual(max);
        }
      }
    });
  }

  for (const model of DLT645_MODELS) {
    it(`DL/T 645 ${model.name}: every item, random BCD`, () => {
      const next = rng(model.name.length * 104729);
      for (const item of model.items) {
        const f = parseFormat(item.format);
        const max = item.scale === undefined ? f.decimals : stepDecimals(item.scale / 10 ** f.decimals);
        for (let i = 0; i < 200; i++) {
          const bytes = bcdBytes(f.bytes, next);
          // A signed item's top digit is 0–7 (the top bit is the sign).
          if (item.signed) bytes[f.bytes - 1]! &= 0x7f;
          const v = decodeItem(item, bytes);
          expect(decimalsOf(v), `DI ${item.di.toString(16)} ${bytes.toString('hex')} = ${v}`).toBeLessThanOrEqual(max);
        }
      }
    });
  }

  it('CJ/T 188: every unit code of Table 5, every model layout, random BCD', () => {
    const next = rng(188);
    for (const model of CJT188_MODELS) {
      const layout = layoutFor(model.kind);
      for (let i = 0; i < 100; i++) {
        const data = Buffer.alloc(layout === 'heat' ? 46 : 22);
        data.writeUInt16LE(0x901f, 0);
        let p = 3;
        const codes = Object.entries(UNITS);
        const slots = layout === 'heat'
          ? [['energy', 4], ['energy', 4], ['power', 4], ['flow', 4], ['volume', 4], [null, 3], [null, 3]] as const
          : [['volume', 4], ['volume', 4]] as const;
        for (const [kind, n] of slots) {
          bcdBytes(n, next).copy(data, p);
          p += n;
          if (kind) {
            const fit = codes.filter(([, u]) => u.kind === kind);
            data[p++] = Number(fit[Math.floor(next() * fit.length)]![0]);
          }
        }
        if (layout === 'heat') p += 3;
        bcdBytes(7, next).copy(data, p);
        const m = decodeMetering(data, layout);
        for (const [field, v] of Object.entries(m.fields)) {
          const unit = Object.values(UNITS).find((u) => u.unit === v.unit);
          const decimals = field === 'flow' ? 4 : 2;
          const max = unit ? stepDecimals(unit.factor / 10 ** decimals) : decimals;
          expect(decimalsOf(v.normalized), `${model.name} ${field} ${v.value} ${v.unit} → ${v.normalized}`).toBeLessThanOrEqual(max);
        }
      }
    }
  });

  it('a CT and PT ratio add only their own decimals (2296 × 0.1 V × PT 100 is 22960 V)', () => {
    const r = buildReading('m', 0, { voltage_l1_v: 229.6, current_l1_a: 4.57, energy_import_kwh: 1234.56, power_factor: 0.93 },
      { ct: 40, pt: 100 }, new Map());
    expect(r.values).toEqual({ voltage_l1_v: 22960, current_l1_a: 182.8, energy_import_kwh: 4938240, power_factor: 0.93 });
    const odd = buildReading('m', 0, { current_l1_a: 0.07 }, { ct: 0.3, pt: 1 }, new Map());
    expect(odd.values.current_l1_a).toBe(0.021);
  });

  it('the step rule: exact decimal steps, and three significant digits of one that is not', () => {
    expect([0.01, 0.25, 2.5, 10, 1].map(stepDecimals)).toEqual([2, 2, 1, 0, 0]);
    expect(stepDecimals(1e6 / 3600 / 100)).toBe(2); // 0.01 GJ = 2.78 kWh
    expect(stepDecimals(0.01 / 3.6)).toBe(5); // 0.01 MJ = 0.00278 kWh
    expect([229.6, 1e-7, 1200, 0.30000000000000004].map(decimalsOf)).toEqual([1, 7, 0, 17]);
  });
});
