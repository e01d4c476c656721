import type { MeterModel } from './types.ts';
import { W_TO_KW, acHints, block } from './blocks.ts';

// Acrel ADW300: holding registers (FC 03), big-endian 16-bit and 32-bit integers.
// Voltages are in 0.1 V, currents in 0.01 A, powers in W, energies in 0.01 kWh.
const u16 = block(3, 'uint16');
const i32 = block(3, 'int32');

const registers = [
  u16('voltage_l1_v', 20, 0.1), // 20 Voltage of A phase
  u16('voltage_l2_v', 21, 0.1), // 21 Voltage of B phase
  u16('voltage_l3_v', 22, 0.1), // 22 Voltage of C phase
  u16('current_l1_a', 26, 0.01), // 26 Electricity (current) of A phase
  u16('current_l2_a', 27, 0.01), // 27 Electricity (current) of B phase
  u16('current_l3_a', 28, 0.01), // 28 Electricity (current) of C phase
  i32('power_l1_kw', 30, W_TO_KW), // 30 Active power of A phase
  i32('power_l2_kw', 32, W_TO_KW), // 32 Active power of B phase
  i32('power_l3_kw', 34, W_TO_KW), // 34 Active power of C phase
  i32('power_kw', 36, W_TO_KW), // 36 Total active power
  i32('energy_import_kwh', 62, 0.01), // 62 Forward active energy consumption
  i32('energy_export_kwh', 64, 0.01), // 64 Reversing active energy consumption
];

/** Datasheet: Acrel ADW300 wireless metering meter user manual, Modbus address table (as in evcc templates/definition/meter/acrel-adw300.yaml). */
export const ADW300: MeterModel = {
  name: 'ADW300',
  vendor: 'Acrel',
  kind: 'electricity',
  datasheet: 'Acrel ADW300 Wireless Metering Meter Installation and Operation Instruction, "Communication address table"',
  provenance: { status: 'datasheet' },
  registers,
  identify: acHints(registers),
};
