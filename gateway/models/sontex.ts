import type { MeterModel } from './types.ts';
import { block } from './blocks.ts';

// Sontex Supercal 531 with the Modbus EIA-485 module: float32 big-endian values, each with a
// unit-code register in front of its block (100 energy, 300 volume, 700 power, 710 flow, 720
// temperature, 730 temperature difference). The module reports in the unit the calculator is
// programmed with; this table assumes the usual kWh / m³ / kW programming.
const f = block(3, 'float32', 'ABCD');

const registers = [
  f('heat_energy_kwh', 102), // 102 Energy totalizer heating (unit per register 100)
  f('volume_m3', 302), // 302 Volume (unit per register 300)
  f('heat_power_kw', 702), // 702 Power (unit per register 700)
  f('flow_m3h', 712), // 712 Flow, m³/h
  f('supply_temp_c', 722), // 722 High temperature, °C
  f('return_temp_c', 724), // 724 Low temperature, °C
  f('temp_diff_k', 732), // 732 Delta temperature, K
];

/** Datasheet: Sontex "Modbus EIA-485 Module for Supercal 531 and Superstatic 440/449", Instructions for Use V04 (0531P217). */
export const SUPERCAL531: MeterModel = {
  name: 'Supercal-531',
  vendor: 'Sontex',
  kind: 'heat',
  datasheet: 'Sontex 0531P217 "Modbus EIA-485 Module for Supercal 531 and Superstatic 440/449 — Instructions for Use" V04, register map',
  provenance: { status: 'datasheet' },
  registers,
  identify: [{ fc: 3, address: 722, type: 'float32', order: 'ABCD', min: 0, max: 150, what: 'high (supply) temperature' }],
};
