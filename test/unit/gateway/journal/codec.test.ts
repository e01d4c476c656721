import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MEASUREMENT_KEYS, type Reading } from '../../../../core/index.ts';
import { KEYS, decodeReading, encodeReading, jsonBytes } from '../../../../gateway/journal/codec.ts';
import { encodeFrames } from '../../../../gateway/journal/frame.ts';
import { type Journal, openJournal } from '../../../../gateway/journal/index.ts';
import { readings, sdm630Reading, tempDir } from './fixtures/readings.ts';

const roundTrip = (r: Reading) => {
  const b = encodeReading(r);
  return decodeReading(b, 0, b.length);
};

describe('journal record codec', () => {
  it('reads back every reading exactly as appended', () => {
    for (let i = 0; i < 500; i++) expect(roundTrip(sdm630Reading(i))).toEqual(sdm630Reading(i));
    const edge: Reading[] = [
      { meter: 'm', ts: 0, values: {} },
      { meter: 'neg', ts: 1, values: { power_kw: -12.345, power_factor: -0.93, energy_export_kwh: 0 } },
      // Decimals past six, binary noise and huge values travel as float64, unchanged.
      { meter: 'odd', ts: 8.64e15, values: { power_kw: 1e-7, energy_import_kwh: 0.30000000000000004, volume_m3: 1e300, flow_m3h: -1.5e-9 } },
      { meter: 'q', ts: 1_700_000_000_000, values: { volume_m3: 12.5 }, quality: { flow_m3h: 'nan', volume_m3: 'counter_decreased' } },
      // Keys out of table order take the list form and keep their order.
      { meter: 'order', ts: 5, values: { voltage_l1_v: 230.1, energy_import_kwh: 1, current_l1_a: 2, power_kw: 3, frequency_hz: 50, power_factor: 1 } },
      { meter: 'big', ts: 5, values: { energy_import_kwh: 2 ** 53 - 1, reactive_energy_import_kvarh: 999_999_999.99 } },
    ];
    for (const r of edge) {
      const back = roundTrip(r);
      expect(back).toEqual(r);
      expect(Object.keys(back.values)).toEqual(Object.keys(r.values));
      expect(jsonBytes(r), r.meter).toBe(Buffer.byteLength(JSON.stringify(r)));
    }
  });

  it('falls back to JSON for a record the binary form cannot carry, and reads it the same way', () => {
    const unknownKey = { meter: 'x', ts: 1, values: { not_a_measurement: 1 } } as unknown as Reading;
    const unicode = { meter: 'Zähler', ts: 1, values: { power_kw: 1 } };
    for (const r of [unknownKey, unicode]) {
      const b = encodeReading(r);
      expect(b[0]).toBe(0x7b);
      expect(decodeReading(b, 0, b.length)).toEqual(r);
    }
  });

  it('a three-phase reading at its registers\' resolution takes under a quarter of its JSON', () => {
    const r: Reading = { meter: 'main-light-admin', ts: 1_796_179_515_765, values: {
      voltage_l1_v: 229, voltage_l2_v: 231, voltage_l3_v: 229.1, current_l1_a: 244.86, current_l2_a: 242.71, current_l3_a: 244.81,
      power_kw: 156.455, power_l1_kw: 52.152, power_l2_kw: 52.152, power_l3_kw: 52.152, reactive_power_kvar: 61.835,
      power_factor: 0.93, frequency_hz: 50.01, energy_import_kwh: 4226894.5, energy_export_kwh: 0,
    } };
    expect(encodeReading(r).length).toBeLessThan(90);
    expect(encodeReading(r).length * 4).toBeLessThan(Buffer.byteLength(JSON.stringify(r)));
  });

  it('refuses a body it cannot read instead of inventing a reading', () => {
    const b = encodeReading(sdm630Reading(1));
    expect(() => decodeReading(b, 0, b.length - 3)).toThrow(/ends early/);
    expect(() => decodeReading(Buffer.from([9, 0]), 0, 2)).toThrow(/unknown record form/);
  });

  it('has an index for every measurement of core, so none falls back to JSON', () => {
    // KEYS is append only (an index on a board's disk means its key for good): a new measurement
    // goes at the end of KEYS.
    expect(MEASUREMENT_KEYS.filter((k) => !KEYS.includes(k))).toEqual([]);
    expect(new Set(KEYS).size).toBe(KEYS.length);
  });
});

describe('a journal written before the compact form', () => {
  let tmp: ReturnType<typeof tempDir>;
  const open: Journal[] = [];
  beforeEach(() => { tmp = tempDir('zm-journal-old-'); });
  afterEach(async () => {
    for (const j of open.splice(0)) await j.close();
    tmp.remove();
  });

  it('is read after an upgrade, torn tail and all, and new records follow it in the new form', async () => {
    // What the previous release wrote: JSON bodies in the same frames, a JSON cursor.
    const old = readings(1, 30);
    const { buf, ends } = encodeFrames(1, old.map((r) => JSON.stringify(r)));
    // Cut inside the last frame, as a power cut would.
    writeFileSync(path.join(tmp.dir, 'seg-0000000000000001.log'), buf.subarray(0, ends[29]! - 7));
    writeFileSync(path.join(tmp.dir, 'cursor.json'), JSON.stringify({ v: 1, ackedSeq: 10, droppedRecords: 0, lastSeq: 30, alarmUntilSeq: 0 }));

    const j = await openJournal({ dir: tmp.dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, fsyncIntervalMs: 0 });
    open.push(j);
    expect(j.stats()).toMatchObject({ ackedSeq: 10, records: 19, tornRecordsSkipped: 1 });
    const before = await j.read(10, 1000, 1e9);
    expect(before.map((r) => r.seq)).toEqual(Array.from({ length: 19 }, (_, k) => 11 + k));
    for (const r of before) expect(r.reading).toEqual(sdm630Reading(r.seq));
    // The backlog's oldest ts comes from an old record too.
    expect(j.stats().oldestUnackedTs).toBe(sdm630Reading(11).ts);

    // The seq counter passes the torn record's seq (the cursor's lastSeq), then new records read back.
    const last = j.append(readings(100, 5));
    expect(last).toBe(35);
    const all = await j.read(10, 1000, 1e9);
    expect(all.slice(-5).map((r) => r.reading)).toEqual(readings(100, 5));
    j.ack(35);
    await j.flush();
    expect(j.stats().records).toBe(0);
  });
});
