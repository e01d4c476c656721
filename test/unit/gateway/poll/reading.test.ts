import { describe, expect, it } from 'vitest';
import { ReadingSchema } from '../../../../core/index.ts';
import { buildReading, transformerFactor, type CounterMemory } from '../../../../gateway/poll/reading.ts';

const none = { ct: 1, pt: 1 };

describe('buildReading', () => {
  it('applies CT to current, PT to voltage and CT·PT to energy and power', () => {
    // 10 kV / 100 V PT (100) and 200/5 A CT (40): the meter sees secondary values.
    const r = buildReading('m1', 1_700_000_000_123, {
      energy_import_kwh: 12.5, power_kw: 0.2, reactive_power_kvar: 0.1, apparent_power_kva: 0.3,
      current_l1_a: 4, voltage_l1_v: 100, power_factor: 0.9, frequency_hz: 50,
    }, { ct: 40, pt: 100 }, new Map());
    expect(r.values).toEqual({
      energy_import_kwh: 50_000, power_kw: 800, reactive_power_kvar: 400, apparent_power_kva: 1200,
      current_l1_a: 160, voltage_l1_v: 10_000, power_factor: 0.9, frequency_hz: 50,
    });
    expect(r.quality).toBeUndefined();
    expect(r.ts).toBe(1_700_000_000_123);
    expect(ReadingSchema.parse(r)).toEqual(r);
  });

  it('leaves water, heat and temperatures unscaled by CT/PT', () => {
    expect(transformerFactor('volume_m3', { ct: 40, pt: 100 })).toBe(1);
    expect(transformerFactor('heat_energy_kwh', { ct: 40, pt: 100 })).toBe(1);
    expect(transformerFactor('supply_temp_c', { ct: 40, pt: 100 })).toBe(1);
    expect(transformerFactor('energy_export_kwh', { ct: 40, pt: 100 })).toBe(4000);
  });

  it('leaves NaN out and flags it', () => {
    const r = buildReading('m1', 1, { voltage_l1_v: Number.NaN, frequency_hz: 50 }, none, new Map());
    expect(r.values).toEqual({ frequency_hz: 50 });
    expect(r.quality).toEqual({ voltage_l1_v: 'nan' });
    expect(ReadingSchema.safeParse(r).success).toBe(true);
  });

  it('leaves out values outside the measurement range, after the transformer ratio', () => {
    const r = buildReading('m1', 1, { frequency_hz: 120, power_factor: -1.5, energy_import_kwh: -3, voltage_l1_v: 230 }, none, new Map());
    expect(r.values).toEqual({ voltage_l1_v: 230 });
    expect(r.quality).toEqual({ frequency_hz: 'out_of_range', power_factor: 'out_of_range', energy_import_kwh: 'out_of_range' });
    // 2e4 kW on the secondary side × 100·1000 is beyond any building's feed.
    const big = buildReading('m1', 1, { power_kw: 2e4 }, { ct: 1000, pt: 100 }, new Map());
    expect(big.values).toEqual({});
    expect(big.quality).toEqual({ power_kw: 'out_of_range' });
  });

  it('keeps a decreased counter but flags it, and compares the next one with it', () => {
    const mem: CounterMemory = new Map();
    expect(buildReading('m1', 1, { energy_import_kwh: 1000 }, none, mem).quality).toBeUndefined();
    const swapped = buildReading('m1', 2, { energy_import_kwh: 3, power_kw: 1 }, none, mem);
    expect(swapped.values).toEqual({ energy_import_kwh: 3, power_kw: 1 });
    expect(swapped.quality).toEqual({ energy_import_kwh: 'counter_decreased' });
    expect(buildReading('m1', 3, { energy_import_kwh: 4 }, none, mem).quality).toBeUndefined();
  });

  it('does not treat a gauge going down as a counter decrease', () => {
    const mem: CounterMemory = new Map();
    buildReading('m1', 1, { power_kw: 10 }, none, mem);
    expect(buildReading('m1', 2, { power_kw: 2 }, none, mem).quality).toBeUndefined();
  });
});
