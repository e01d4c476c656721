import type { MeterModel } from './types.ts';
import { acHints, block } from './blocks.ts';

// Schneider Electric iEM3000 series (iEM3150/3155/3250/3255/3350/3355…): float32, big-endian,
// holding registers (FC 03). Powers are already in kW and energies in kWh.
const f = block(3, 'float32', 'ABCD');

const registers = [
  f('voltage_l1_v', 0x5002), // 5002H Voltage L1-N
  f('voltage_l2_v', 0x5004), // 5004H Voltage L2-N
  f('voltage_l3_v', 0x5006), // 5006H Voltage L3-N
  f('frequency_hz', 0x5008), // 5008H Frequency
  f('current_l1_a', 0x500c), // 500CH Current I1
  f('current_l2_a', 0x500e), // 500EH Current I2
  f('current_l3_a', 0x5010), // 5010H Current I3
  f('power_kw', 0x5012), // 5012H Total active power, kW
  f('power_l1_kw', 0x5014), // 5014H Active power phase 1, kW
  f('power_l2_kw', 0x5016), // 5016H Active power phase 2, kW
  f('power_l3_kw', 0x5018), // 5018H Active power phase 3, kW
  f('reactive_power_kvar', 0x501a), // 501AH Total reactive power, kvar
  f('apparent_power_kva', 0x5022), // 5022H Total apparent power, kVA
  f('power_factor', 0x502a), // 502AH Total power factor
  f('energy_import_kwh', 0x600c), // 600CH Total active energy import, kWh
  f('energy_export_kwh', 0x6018), // 6018H Total active energy export, kWh
  f('reactive_energy_import_kvarh', 0x6030), // 6030H Total reactive energy import, kvarh
  f('reactive_energy_export_kvarh', 0x603c), // 603CH Total reactive energy export, kvarh
];

/** Datasheet: Schneider Electric iEM3000 series user manual DOCA0005, Modbus register list (as tabled in mbmd meters/rs485/iem3000.go). */
export const IEM3000: MeterModel = {
  name: 'iEM3000',
  vendor: 'Schneider Electric',
  kind: 'electricity',
  datasheet: 'Schneider Electric iEM3100/iEM3200/iEM3300 series user manual DOCA0005, "Modbus register list"',
  provenance: { status: 'datasheet' },
  registers,
  identify: acHints(registers),
};
