import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMeasurementKey } from '../../../../../core/index.ts';
import { MBUS_MODELS, MBUS_HEAT, MBUS_WATER, type MbusModel } from '../../../../../gateway/models/mbus.ts';
import { decodeResponse, mapRecords, mediumKind, parseHex, type Telegram } from '../../../../../gateway/protocols/mbus/index.ts';

const DIR = path.resolve(import.meta.dirname, '../../../../fixtures/mbus');
const frame = (name: string): Telegram => decodeResponse(parseHex(readFileSync(path.join(DIR, `${name}.hex`), 'latin1')));
const model = (name: string): MbusModel => MBUS_MODELS.find((m) => m.name === name)!;

describe('M-Bus models', () => {
  it('hold the model rules: unique names, known measurements, a named source that exists', () => {
    const names = new Set<string>();
    for (const m of MBUS_MODELS) {
      expect(names.has(m.name.toLowerCase()), m.name).toBe(false);
      names.add(m.name.toLowerCase());
      expect(m.protocol).toBe('mbus');
      expect(m.provenance.status).toBe('captured');
      for (const f of m.provenance.source!.match(/test-frames\/([\w+.-]+)\.hex/g) ?? []) {
        expect(existsSync(path.join(DIR, f.replace('test-frames/', ''))), f).toBe(true);
      }
      for (const it of m.items) expect(isMeasurementKey(it.measurement), `${m.name} ${it.measurement}`).toBe(true);
      for (const t of m.telegrams) for (const r of t) {
        if (r.value !== 'fabrication_number' && r.value !== 'datetime') expect(m.items.some((i) => i.measurement === r.value), `${m.name} sends ${r.value}`).toBe(true);
      }
      expect(/^[A-Z]{3}$/.test(m.manufacturer)).toBe(true);
    }
  });

  // Expected values read off libmbus's XML of each frame (value × the unit in its <Unit>).
  const CASES: [string, string, Record<string, number>][] = [
    ['Multical-601-MBus', 'kamstrup_multical_601', {
      heat_energy_kwh: 37351, volume_m3: 561.08, supply_temp_c: 101.69, return_temp_c: 46.16, temp_diff_k: 55.53, heat_power_kw: 34.7, flow_m3h: 0.543,
    }],
    // Power and flow are sent as "value during error state" (999999): not taken.
    ['CF-Echo-II-MBus', 'itron_cf_echo_2', { heat_energy_kwh: 0, volume_m3: 0, supply_temp_c: 20.5, return_temp_c: 20.6, temp_diff_k: 0.09 }],
    // Energy in MJ (0 → 0 kWh), temperatures, flow and power as float32.
    ['Supercal-531-MBus', 'sontex_supercal_531_telegram1', { heat_energy_kwh: 0, volume_m3: 0, supply_temp_c: 0, return_temp_c: 0, flow_m3h: 0, heat_power_kw: 0 }],
    // Energy in 10 kWh, power in 10 W; the flow record has the reserved VIF 7BH and is not taken.
    ['MBus-Heat', 'sen_pollutherm', { heat_energy_kwh: 8640, volume_m3: 7998.92, heat_power_kw: 54.58, supply_temp_c: 75.5, return_temp_c: 59.4, temp_diff_k: 16.076 }],
    // Heat energy counted forward only (VIFE 3BH); flow records with other VIFEs are not flow.
    ['MBus-Heat', 'SEN_Pollustat', {
      heat_energy_kwh: 39831, volume_m3: 6162.878, heat_power_kw: -0.170722, flow_m3h: 3.230039, supply_temp_c: 31.147324, return_temp_c: 31.1931, temp_diff_k: -0.045776,
    }],
    ['MBus-Heat', 'engelmann_sensostar2c', { heat_energy_kwh: 800, volume_m3: 12.9, flow_m3h: 0, heat_power_kw: 0, supply_temp_c: 95, return_temp_c: 43, temp_diff_k: 52.58 }],
    // The maximum flow (storage 0, function max) is not the current flow.
    ['MBus-Water', 'els_falcon', { volume_m3: 1234.567, flow_m3h: 6.137 }],
    // Record 5 carries a manufacturer VIFE (7FH): only record 4 is the volume.
    ['MBus-Water', 'itron_cyble_m-bus_v1.4_water', { volume_m3: 123.49 }],
  ];
  for (const [name, f, expected] of CASES) {
    it(`${name} reads ${f} as libmbus's XML says`, () => {
      const { values } = mapRecords(frame(f).records, model(name).items);
      expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
      for (const [k, v] of Object.entries(expected)) expect(values[k as keyof typeof values], k).toBeCloseTo(v, 6);
    });
  }

  it('MBus-Heat finds heat energy in 26 of the 27 heat frames, MBus-Water a volume in all 11 water frames', () => {
    const heat: string[] = [];
    const water: string[] = [];
    const without: string[] = [];
    for (const f of readdirSync(DIR).filter((x) => x.endsWith('.hex')).map((x) => x.slice(0, -4))) {
      const t = frame(f);
      const kind = mediumKind(t.header.secondary!.medium);
      if (kind === 'heat') {
        heat.push(f);
        if (mapRecords(t.records, MBUS_HEAT.items).values.heat_energy_kwh === undefined) without.push(f);
      } else {
        expect(kind, f).toBe('water');
        water.push(f);
        expect(mapRecords(t.records, MBUS_WATER.items).values.volume_m3, f).toBeTypeOf('number');
      }
    }
    expect(heat).toHaveLength(27);
    expect(water).toHaveLength(11);
    // The Aquametro CALEC MB frame carries power, flow and temperatures but no energy record.
    expect(without).toEqual(['amt_calec_mb']);
  });
});
