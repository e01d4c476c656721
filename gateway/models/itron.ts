import type { MeterModel } from './types.ts';
import { L_TO_M3, LH_TO_M3H, block } from './blocks.ts';

// Itron CF Echo II / CF 51 / CF 55 heat meters with the Modbus card: holding registers (FC 03),
// float32 big-endian, carrying the meter's integer display units (power in 0.1 kW, temperatures
// in 0.1 °C, temperature difference in 0.01 K, volume in litres). The card refreshes its data
// from the meter once a minute and answers at most 22 registers per request.
const f = block(3, 'float32', 'ABCD');

const registers = [
  f('heat_energy_kwh', 2), // 0002 Energy index, kWh
  f('volume_m3', 4, L_TO_M3), // 0004 Volume, litre
  f('heat_power_kw', 6, 0.1), // 0006 Instantaneous power, 1/10 kW
  f('flow_m3h', 8, LH_TO_M3H), // 0008 Instantaneous flow rate, litre/h
  f('supply_temp_c', 10, 0.1), // 000A Outgoing temperature, 1/10 °C
  f('return_temp_c', 12, 0.1), // 000C Return temperature, 1/10 °C
  f('temp_diff_k', 14, 0.01), // 000E Temperature difference, 1/100 K
  f('cooling_energy_kwh', 16), // 0010 Air-conditioning energy index, kWh
];

/** Datasheet: Itron Modbus card for CF Echo II / CF 51 / CF 55, register table 0000–0011. */
export const CF_ECHO_II: MeterModel = {
  name: 'CF-Echo-II',
  vendor: 'Itron',
  kind: 'heat',
  datasheet: 'Itron "Modbus card for CF ECHO II / CF 51 / CF 55" user guide, Modbus data table',
  provenance: { status: 'datasheet' },
  limits: { maxRegisters: 22 },
  registers,
  identify: [{ fc: 3, address: 10, type: 'float32', order: 'ABCD', scale: 0.1, min: 0, max: 150, what: 'supply temperature' }],
};
