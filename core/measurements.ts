import type { EnergyKind } from './vocabulary.ts';

// The closed measurement table. Nothing outside it travels on the wire.
// `counter` values are cumulative registers (usage is derived from their differences);
// `gauge` values are instantaneous. `min`/`max` bound what a working meter can report:
// a value outside them is flagged out_of_range at the source and quarantined at the ingestor.
export interface MeasurementDef {
  readonly unit: string;
  readonly type: 'counter' | 'gauge';
  readonly kind: EnergyKind | null;
  readonly min: number;
  readonly max: number;
  readonly zh: string;
  readonly en: string;
}

const counter = (unit: string, kind: EnergyKind, zh: string, en: string): MeasurementDef => ({
  unit, type: 'counter', kind, min: 0, max: 1e12, zh, en,
});
const gauge = (unit: string, kind: EnergyKind | null, min: number, max: number, zh: string, en: string): MeasurementDef => ({
  unit, type: 'gauge', kind, min, max, zh, en,
});

export const MEASUREMENTS = {
  // electricity counters
  energy_import_kwh: counter('kWh', 'electricity', '正向有功电能', 'Active energy import'),
  energy_export_kwh: counter('kWh', 'electricity', '反向有功电能', 'Active energy export'),
  reactive_energy_import_kvarh: counter('kvarh', 'electricity', '正向无功电能', 'Reactive energy import'),
  reactive_energy_export_kvarh: counter('kvarh', 'electricity', '反向无功电能', 'Reactive energy export'),
  // electricity gauges
  power_kw: gauge('kW', 'electricity', -1e6, 1e6, '总有功功率', 'Active power'),
  power_l1_kw: gauge('kW', 'electricity', -1e6, 1e6, 'A相有功功率', 'Active power L1'),
  power_l2_kw: gauge('kW', 'electricity', -1e6, 1e6, 'B相有功功率', 'Active power L2'),
  power_l3_kw: gauge('kW', 'electricity', -1e6, 1e6, 'C相有功功率', 'Active power L3'),
  reactive_power_kvar: gauge('kvar', 'electricity', -1e6, 1e6, '总无功功率', 'Reactive power'),
  apparent_power_kva: gauge('kVA', 'electricity', 0, 1e6, '总视在功率', 'Apparent power'),
  voltage_l1_v: gauge('V', 'electricity', 0, 1e6, 'A相电压', 'Voltage L1-N'),
  voltage_l2_v: gauge('V', 'electricity', 0, 1e6, 'B相电压', 'Voltage L2-N'),
  voltage_l3_v: gauge('V', 'electricity', 0, 1e6, 'C相电压', 'Voltage L3-N'),
  current_l1_a: gauge('A', 'electricity', -1e5, 1e5, 'A相电流', 'Current L1'),
  current_l2_a: gauge('A', 'electricity', -1e5, 1e5, 'B相电流', 'Current L2'),
  current_l3_a: gauge('A', 'electricity', -1e5, 1e5, 'C相电流', 'Current L3'),
  current_n_a: gauge('A', 'electricity', -1e5, 1e5, '零线电流', 'Neutral current'),
  power_factor: gauge('', 'electricity', -1, 1, '总功率因数', 'Power factor'),
  frequency_hz: gauge('Hz', 'electricity', 40, 70, '频率', 'Frequency'),
  // water and gas
  volume_m3: counter('m³', 'water', '累计流量', 'Volume'),
  reverse_volume_m3: counter('m³', 'water', '反向累计流量', 'Reverse volume'),
  gas_volume_m3: counter('m³', 'gas', '燃气累计量', 'Gas volume'),
  flow_m3h: gauge('m³/h', null, -1e5, 1e5, '瞬时流量', 'Flow rate'),
  // heat and cooling
  heat_energy_kwh: counter('kWh', 'heat', '累计热量', 'Heat energy'),
  cooling_energy_kwh: counter('kWh', 'cooling', '累计冷量', 'Cooling energy'),
  heat_power_kw: gauge('kW', 'heat', -1e6, 1e6, '热功率', 'Heat power'),
  supply_temp_c: gauge('°C', 'heat', -50, 200, '供水温度', 'Supply temperature'),
  return_temp_c: gauge('°C', 'heat', -50, 200, '回水温度', 'Return temperature'),
  temp_diff_k: gauge('K', 'heat', -100, 200, '供回水温差', 'Temperature difference'),
} as const satisfies Record<string, MeasurementDef>;

export type MeasurementKey = keyof typeof MEASUREMENTS;
export const MEASUREMENT_KEYS = Object.keys(MEASUREMENTS) as [MeasurementKey, ...MeasurementKey[]];

export function isMeasurementKey(key: string): key is MeasurementKey {
  return Object.hasOwn(MEASUREMENTS, key);
}

// The counter a meter of each kind reports its consumption with.
export const USAGE_COUNTER: Record<EnergyKind, MeasurementKey | null> = {
  electricity: 'energy_import_kwh',
  water: 'volume_m3',
  gas: 'gas_volume_m3',
  heat: 'heat_energy_kwh',
  cooling: 'cooling_energy_kwh',
  other: null,
};
