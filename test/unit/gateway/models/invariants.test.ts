import { describe, expect, it } from 'vitest';
import { MEASUREMENTS, isMeasurementKey } from '../../../../core/index.ts';
import { ALL_MODELS, CJT188_MODELS, DLT645_MODELS, MODELS, REGISTER_WIDTH, decodeRegister, findModel } from '../../../../gateway/models/index.ts';
import { decodeItem, parseFormat } from '../../../../gateway/protocols/dlt645/values.ts';
import { meterTypeKind } from '../../../../gateway/protocols/cjt188/frame.ts';
import { FrameError } from '../../../../gateway/protocols/errors.ts';
import { MODBUS_MAX_REGISTERS, limitsFor } from '../../../../gateway/poll/planner.ts';

// One test across every model, so a new vendor file is checked the moment it is listed in MODELS.
describe('meter model invariants', () => {
  it('every model in MODELS holds the table rules', () => {
    expect(MODELS.length).toBeGreaterThanOrEqual(12);
    const problems: string[] = [];
    const names = new Set<string>();
    for (const m of MODELS) {
      const at = (msg: string) => problems.push(`${m.name}: ${msg}`);
      const key = m.name.toLowerCase();
      if (names.has(key)) at('duplicate name (case-insensitive)');
      names.add(key);
      if (key === 'generic') at('"generic" is reserved for config-defined meters');
      if (findModel(m.name.toUpperCase()) !== m) at('findModel does not return it');
      if (!m.vendor.trim()) at('no vendor');
      if (m.datasheet.trim().length < 10) at('no datasheet named');
      if (m.registers.length === 0) at('no registers');

      const seen = new Set<string>();
      const spans: { fc: number; start: number; end: number; what: string }[] = [];
      for (const r of m.registers) {
        const what = `${r.measurement}@${r.fc}:${r.address}`;
        if (!isMeasurementKey(r.measurement)) at(`${what}: unknown measurement`);
        if (seen.has(r.measurement)) at(`${what}: measurement listed twice`);
        seen.add(r.measurement);
        if (r.fc !== 3 && r.fc !== 4) at(`${what}: function code must be 3 or 4`);
        const width = REGISTER_WIDTH[r.type];
        if (!Number.isInteger(r.address) || r.address < 0 || r.address + width - 1 > 0xffff) at(`${what}: address outside 0–65535`);
        if (!Number.isFinite(r.scale) || r.scale === 0) at(`${what}: scale must be finite and non-zero`);
        if (r.offset !== undefined && !Number.isFinite(r.offset)) at(`${what}: offset must be finite`);
        if (!['ABCD', 'CDAB', 'BADC', 'DCBA'].includes(r.order)) at(`${what}: unknown byte order`);
        // decode must consume exactly REGISTER_WIDTH registers: a block one byte short fails.
        const exact = Buffer.alloc(width * 2);
        if (!Number.isFinite(decodeRegister(r, exact, r.address))) at(`${what}: zero bytes do not decode`);
        expect(() => decodeRegister(r, Buffer.alloc(width * 2 - 1), r.address), what).toThrow(RangeError);
        spans.push({ fc: r.fc, start: r.address, end: r.address + width, what });
      }
      spans.sort((a, b) => a.fc - b.fc || a.start - b.start);
      for (let i = 1; i < spans.length; i++) {
        const [a, b] = [spans[i - 1]!, spans[i]!];
        if (a.fc === b.fc && b.start < a.end) at(`${a.what} overlaps ${b.what}`);
      }

      const limits = limitsFor(m);
      if (!(limits.maxRegisters >= 1 && limits.maxRegisters <= MODBUS_MAX_REGISTERS)) at('maxRegisters outside 1–125');
      if (m.limits?.maxRegisters !== undefined && m.limits.maxRegisters > MODBUS_MAX_REGISTERS) at('limits.maxRegisters above the Modbus maximum');
      if (!(limits.maxGap >= 0 && limits.maxGap < MODBUS_MAX_REGISTERS)) at('maxGap outside 0–124');
      for (const b of limits.boundaries ?? []) if (!(b >= 0 && b <= 0x10000)) at(`boundary ${b} outside the address space`);
      const widest = Math.max(...m.registers.map((r) => REGISTER_WIDTH[r.type]));
      if (widest > limits.maxRegisters) at('a register is wider than one request may be');

      for (const h of m.identify ?? []) {
        if (!(h.min <= h.max)) at(`identify ${h.what}: empty range`);
        if (h.fc !== 3 && h.fc !== 4) at(`identify ${h.what}: function code`);
      }
      // Heat meters legitimately report water volume and cooling energy; electrical quantities
      // belong to electricity meters only, and vice versa.
      for (const k of seen) {
        if (isMeasurementKey(k) && (MEASUREMENTS[k].kind === 'electricity') !== (m.kind === 'electricity')) {
          at(`${k} (${MEASUREMENTS[k].kind}) in a ${m.kind} model`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('covers electricity, water and heat meters', () => {
    const count = (kind: string) => MODELS.filter((m) => m.kind === kind).length;
    expect(count('electricity')).toBeGreaterThanOrEqual(5);
    expect(count('water')).toBeGreaterThanOrEqual(2);
    expect(count('heat')).toBeGreaterThanOrEqual(2);
  });

  it('generic is never a fixed model', () => {
    expect(findModel('generic')).toBeUndefined();
    expect(findModel('GENERIC')).toBeUndefined();
  });
});

// The same rules for the models of the other serial protocols, and provenance for every model.
describe('protocol model invariants (DL/T 645-2007, CJ/T 188) and provenance', () => {
  it('every model of every protocol has a unique name and says what it was checked against', () => {
    const problems: string[] = [];
    const names = new Set<string>();
    for (const m of ALL_MODELS) {
      const key = m.name.toLowerCase();
      if (names.has(key)) problems.push(`${m.name}: duplicate name across protocols`);
      names.add(key);
      if (m.provenance.status === 'captured' && !(m.provenance.source && m.provenance.source.length > 10)) problems.push(`${m.name}: captured without a source`);
      if (m.provenance.status !== 'captured' && m.provenance.status !== 'datasheet') problems.push(`${m.name}: unknown provenance`);
    }
    expect(problems).toEqual([]);
  });

  it('DL/T 645 models: known measurements, one item per identifier, formats the decoder takes', () => {
    const problems: string[] = [];
    for (const m of DLT645_MODELS) {
      const at = (msg: string) => problems.push(`${m.name}: ${msg}`);
      if (m.items.length === 0) at('no items');
      if (m.datasheet.trim().length < 10) at('no datasheet named');
      const dis = new Set<number>();
      const keys = new Set<string>();
      for (const it of m.items) {
        const what = `${it.di.toString(16).padStart(8, '0')} ${it.measurement}`;
        if (!isMeasurementKey(it.measurement)) at(`${what}: unknown measurement`);
        else if (MEASUREMENTS[it.measurement].kind !== 'electricity') at(`${what}: not an electrical measurement`);
        if (dis.has(it.di)) at(`${what}: identifier listed twice`);
        if (keys.has(it.measurement)) at(`${what}: measurement listed twice`);
        dis.add(it.di);
        keys.add(it.measurement);
        if (!Number.isInteger(it.di) || it.di < 0 || it.di > 0xffffffff) at(`${what}: identifier outside 4 bytes`);
        let bytes = 0;
        try {
          bytes = parseFormat(it.format).bytes;
        } catch {
          at(`${what}: format ${it.format} not understood`);
          continue;
        }
        // The decoder takes exactly the format's bytes: zeros decode, one byte short is refused.
        if (decodeItem(it, Buffer.alloc(bytes)) !== 0) at(`${what}: zero bytes do not decode to 0`);
        expect(() => decodeItem(it, Buffer.alloc(bytes - 1)), what).toThrow(FrameError);
      }
    }
    expect(problems).toEqual([]);
  });

  it('CJ/T 188 models: a meter type of their kind, fields of their layout, measurements of their kind', () => {
    const problems: string[] = [];
    const heatFields = new Set(['settlement_heat', 'current_heat', 'heat_power', 'flow', 'cumulative_volume', 'supply_temp', 'return_temp']);
    const waterFields = new Set(['current_volume', 'settlement_volume']);
    for (const m of CJT188_MODELS) {
      const at = (msg: string) => problems.push(`${m.name}: ${msg}`);
      if (meterTypeKind(m.meterType) !== m.kind) at(`meter type ${m.meterType.toString(16)} is not a ${m.kind} type`);
      if (m.diOrder !== '901F' && m.diOrder !== '1F90') at('unknown DI order');
      const allowed = m.kind === 'heat' ? heatFields : waterFields;
      const entries = Object.entries(m.fields);
      if (entries.length === 0) at('no fields');
      const seen = new Set<string>();
      for (const [field, key] of entries) {
        if (!allowed.has(field)) at(`${field}: not a field of the ${m.kind} layout`);
        if (!key || !isMeasurementKey(key)) { at(`${field}: unknown measurement`); continue; }
        if (seen.has(key)) at(`${key} mapped twice`);
        seen.add(key);
        const k = MEASUREMENTS[key].kind;
        if (k === 'electricity' || (k !== null && k !== m.kind && !(m.kind === 'heat' && k === 'water'))) at(`${key} (${k}) in a ${m.kind} model`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('covers generic and vendor models of both protocols', () => {
    expect(DLT645_MODELS.filter((m) => m.vendor === 'generic').map((m) => m.name)).toEqual(expect.arrayContaining(['DLT645-1P', 'DLT645-3P']));
    expect(DLT645_MODELS.filter((m) => m.vendor !== 'generic').length).toBeGreaterThanOrEqual(2);
    expect(CJT188_MODELS.filter((m) => m.vendor === 'generic').map((m) => m.kind).sort()).toEqual(['heat', 'water']);
    expect(CJT188_MODELS.filter((m) => m.vendor !== 'generic').length).toBeGreaterThanOrEqual(2);
  });
});
