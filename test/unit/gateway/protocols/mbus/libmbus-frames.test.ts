import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MbusError, decodeResponse, parseHex, scaled, type DataRecord, type Telegram,
} from '../../../../../gateway/protocols/mbus/index.ts';
import { xmlPhysical } from '../../../../support/libmbus-units.ts';

/**
 * The oracle: libmbus's published test frames (test/fixtures/mbus, BSD licence, see README there),
 * captured from real heat and water meters, with the XML libmbus decodes them to. Every frame is
 * decoded by zonemeter's own decoder and compared record by record with libmbus's XML: header,
 * function, storage number, tariff, subunit, and the value with its unit for every physical
 * quantity, date and fabrication number.
 */
const DIR = path.resolve(import.meta.dirname, '../../../../fixtures/mbus');

interface XmlRecord { fn: string; storage?: number; tariff?: number; device?: number; unit?: string; value?: string }
interface Xml { slave: Record<string, string>; records: XmlRecord[] }

function unescape(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function tag(block: string, name: string): string | undefined {
  const m = block.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`));
  return m ? unescape(m[1]!) : undefined;
}

function parseXml(text: string): Xml {
  const slaveBlock = text.match(/<SlaveInformation>([\s\S]*?)<\/SlaveInformation>/)![1]!;
  const slave: Record<string, string> = {};
  for (const m of slaveBlock.matchAll(/<(\w+)>([\s\S]*?)<\/\1>/g)) slave[m[1]!] = unescape(m[2]!);
  const records = [...text.matchAll(/<DataRecord id="(\d+)">([\s\S]*?)<\/DataRecord>/g)].map((m, i) => {
    expect(Number(m[1]), 'record ids are consecutive').toBe(i);
    const b = m[2]!;
    const num = (n: string) => { const v = tag(b, n); return v === undefined ? undefined : Number(v); };
    const rec: XmlRecord = { fn: tag(b, 'Function')! };
    const s = num('StorageNumber'); if (s !== undefined) rec.storage = s;
    const t = num('Tariff'); if (t !== undefined) rec.tariff = t;
    const d = num('Device'); if (d !== undefined) rec.device = d;
    const u = tag(b, 'Unit'); if (u !== undefined) rec.unit = u;
    const v = tag(b, 'Value'); if (v !== undefined) rec.value = v;
    return rec;
  });
  return { slave, records };
}

const FUNCTION: Record<string, DataRecord['function']> = {
  'Instantaneous value': 'instantaneous', 'Maximum value': 'maximum', 'Minimum value': 'minimum', 'Value during error state': 'error',
};

// libmbus's medium names over the years. Older libmbus versions call 06H "Hot water" (the name
// EN 1434-3 used); EN 13757-3 names 06H warm water (30–90 °C) and 15H hot water (≥ 90 °C).
const MEDIUM: Record<string, readonly number[]> = {
  'Heat: Outlet': [0x04], 'Heat: Inlet': [0x0c], 'Heat (Volume measured at flow temperature: inlet)': [0x0c],
  'Heat / Cooling load meter': [0x0d], 'Water': [0x07], 'Warm water (30-90°C)': [0x06], 'Hot water': [0x06, 0x15], 'Cold water': [0x16],
};

const frames = readdirSync(DIR).filter((f) => f.endsWith('.hex')).map((f) => f.slice(0, -4)).sort();

describe('libmbus test frames of heat and water meters', () => {
  const totals = { frames: 0, records: 0, values: 0, dates: 0, fabrication: 0, invalidBcd: 0, invalidDates: [] as string[] };

  it('are all here: 38 frames, each with its XML', () => {
    expect(frames).toHaveLength(38);
    for (const f of frames) expect(readFileSync(path.join(DIR, `${f}.xml`), 'latin1')).toContain('<MBusData>');
  });

  for (const name of frames) {
    it(`${name} decodes to libmbus's values and units`, () => {
      const t: Telegram = decodeResponse(parseHex(readFileSync(path.join(DIR, `${name}.hex`), 'latin1')));
      const xml = parseXml(readFileSync(path.join(DIR, `${name}.xml`), 'utf8'));
      const sec = t.header.secondary!;
      expect(Number(sec.id)).toBe(Number(xml.slave.Id));
      expect(sec.manufacturer).toBe(xml.slave.Manufacturer);
      expect(sec.version).toBe(Number(xml.slave.Version));
      expect(MEDIUM[xml.slave.Medium!], `medium "${xml.slave.Medium}"`).toContain(sec.medium);
      expect(t.header.accessNumber).toBe(Number(xml.slave.AccessNumber));
      expect(t.header.status).toBe(parseInt(xml.slave.Status!, 16));
      expect(t.header.signature).toBe(parseInt(xml.slave.Signature!, 16));
      expect(t.records.length, 'record count').toBe(xml.records.length);

      // libmbus's older XML (no <StorageNumber>) files DIF 1FH under "Manufacturer specific" too.
      const oldXml = !xml.records.some((x) => x.storage !== undefined);
      let physical = 0;
      xml.records.forEach((x, i) => {
        const r = t.records[i]!;
        const where = `record ${i} (${x.unit ?? x.fn})`;
        if (x.fn === 'Manufacturer specific' || x.fn === 'More records follow') {
          if (r.special === undefined) {
            // A record with a manufacturer-specific VIF (7FH) that libmbus files under the same heading.
            expect(r.quantity, where).toBe('manufacturer_specific');
          } else {
            const expected = x.fn === 'More records follow' ? ['more_records'] : oldXml ? ['manufacturer', 'more_records'] : ['manufacturer'];
            expect(expected, where).toContain(r.special);
          }
          return;
        }
        expect(r.function, where).toBe(FUNCTION[x.fn]);
        if (x.storage !== undefined) expect(r.storage, where).toBe(x.storage);
        if (x.tariff !== undefined) expect(r.tariff, where).toBe(x.tariff);
        if (x.device !== undefined) expect(r.subunit, where).toBe(x.device);
        const unit = x.unit ?? '';
        const phys = xmlPhysical(unit);
        if (phys) {
          expect(r.quantity, where).toBe(phys.quantity);
          expect(r.unit, where).toBe(phys.unit);
          if (r.value.kind === 'invalid') {
            // Digits A–F: libmbus prints a number made of the valid digits; this decoder refuses
            // to. Only ever seen in records the meter itself marks "value during error state".
            expect(x.fn, `${where}: ${r.value.reason}`).toBe('Value during error state');
            totals.invalidBcd++;
            return;
          }
          expect(r.value.kind, where).toBe('number');
          const mine = scaled((r.value as { raw: number }).raw, r.exponent);
          const expected = Number(x.value) * phys.factor;
          // libmbus prints reals with 6 decimals; a float32 holds about 7 significant digits.
          const tolerance = Math.max(1e-6 * phys.factor, 1e-7 * Math.abs(expected));
          expect(Math.abs(mine - expected), `${where}: ${mine} vs ${expected}`).toBeLessThanOrEqual(tolerance);
          physical++;
          totals.values++;
        } else if (unit.startsWith('Time Point')) {
          expect(r.quantity, where).toBe(unit === 'Time Point (date)' ? 'date' : 'datetime');
          if (r.value.kind === 'date') {
            expect(r.value.iso, where).toBe(x.value);
            totals.dates++;
          } else {
            // "2000-00-00", "2127-01-01T00:00:00": bytes that are no calendar date; this decoder says so.
            expect(r.value.kind, where).toBe('invalid');
            totals.invalidDates.push(`${name} #${i} ${x.value}`);
          }
        } else if (unit === 'Fabrication number') {
          expect(r.quantity, where).toBe('fabrication_number');
          expect(r.value, where).toEqual({ kind: 'number', raw: Number(x.value) });
          totals.fabrication++;
        }
        totals.records++;
      });
      expect(physical, 'a heat or water frame has at least one physical value').toBeGreaterThan(0);
      expect(t.moreRecords).toBe(t.records.at(-1)?.dif === 0x1f);
      totals.frames++;
    });
  }

  it('totals', () => {
    // Printed so a reader of the test log sees how much was compared.
    console.log(`libmbus oracle: ${totals.frames}/${frames.length} frames equal; ${totals.values} values with units, `
      + `${totals.dates} dates, ${totals.fabrication} fabrication numbers compared; ${totals.invalidBcd} error-state values with `
      + `non-BCD digits refused; invalid dates refused: ${totals.invalidDates.join('; ')}`);
    expect(totals.frames).toBe(frames.length);
    expect(totals.values).toBeGreaterThan(300);
  });
});

describe('libmbus error frames', () => {
  const ERR = path.join(DIR, 'error-frames');
  const EXPECTED: Record<string, string> = {
    application_busy: 'ERR_MBUS_APPLICATION', buffer_too_long: 'ERR_MBUS_APPLICATION', error: 'ERR_MBUS_APPLICATION',
    premature_end_of_record: 'ERR_MBUS_APPLICATION', too_many_difes: 'ERR_MBUS_APPLICATION', too_many_vifes: 'ERR_MBUS_APPLICATION',
    unimplemented_ci: 'ERR_MBUS_APPLICATION', unspecified_error: 'ERR_MBUS_APPLICATION',
    premature_end_of_data1: 'ERR_MBUS_RECORD', premature_end_of_data2: 'ERR_MBUS_RECORD', premature_end_of_dif1: 'ERR_MBUS_RECORD',
    premature_end_of_dif2: 'ERR_MBUS_RECORD', premature_end_of_var_vif1: 'ERR_MBUS_RECORD', too_long_var_vif: 'ERR_MBUS_RECORD',
    too_many_dife: 'ERR_MBUS_DIFE', too_short_header: 'ERR_MBUS_HEADER',
  };
  const files = readdirSync(ERR).filter((f) => f.endsWith('.hex')).map((f) => f.slice(0, -4)).sort();
  it('are all listed', () => expect(files).toEqual(Object.keys(EXPECTED).sort()));
  for (const name of files) {
    it(`${name} is refused with ${EXPECTED[name]}`, () => {
      const bytes = parseHex(readFileSync(path.join(ERR, `${name}.hex`), 'latin1'));
      let caught: unknown;
      try { decodeResponse(bytes); } catch (err) { caught = err; }
      expect(caught).toBeInstanceOf(MbusError);
      expect((caught as MbusError).code).toBe(EXPECTED[name]);
    });
  }
  it('a busy slave is transient, an unimplemented CI permanent', () => {
    const busy = (() => { try { decodeResponse(parseHex(readFileSync(path.join(ERR, 'application_busy.hex'), 'latin1'))); } catch (e) { return e as MbusError; } })();
    const ci = (() => { try { decodeResponse(parseHex(readFileSync(path.join(ERR, 'unimplemented_ci.hex'), 'latin1'))); } catch (e) { return e as MbusError; } })();
    expect(busy?.failureClass).toBe('transient');
    expect(ci?.failureClass).toBe('permanent');
  });
});
