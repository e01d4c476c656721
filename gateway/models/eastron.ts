import type { MeterModel } from './types.ts';
import { W_TO_KW, acHints, block } from './blocks.ts';

// Eastron SDM series: every value is an IEEE 754 float32, big-endian, in input registers (FC 04).
// Register numbers below are the datasheets' 3xxxx numbers; the wire address is number − 30001.
const f = block(4, 'float32', 'ABCD');

// Eastron protocol documents: "Each request for data must be restricted to 40 parameters or
// less" — 40 float parameters are 80 registers.
const EASTRON_LIMITS = { maxRegisters: 80 };

const sdm630Registers = [
  f('voltage_l1_v', 0x0000), // 30001 Phase 1 line to neutral volts
  f('voltage_l2_v', 0x0002), // 30003 Phase 2 line to neutral volts
  f('voltage_l3_v', 0x0004), // 30005 Phase 3 line to neutral volts
  f('current_l1_a', 0x0006), // 30007 Phase 1 current
  f('current_l2_a', 0x0008), // 30009 Phase 2 current
  f('current_l3_a', 0x000a), // 30011 Phase 3 current
  f('power_l1_kw', 0x000c, W_TO_KW), // 30013 Phase 1 power, W
  f('power_l2_kw', 0x000e, W_TO_KW), // 30015 Phase 2 power, W
  f('power_l3_kw', 0x0010, W_TO_KW), // 30017 Phase 3 power, W
  f('power_kw', 0x0034, W_TO_KW), // 30053 Total system power, W
  f('apparent_power_kva', 0x0038, W_TO_KW), // 30057 Total system volt amps, VA
  f('reactive_power_kvar', 0x003c, W_TO_KW), // 30061 Total system VAr
  f('power_factor', 0x003e), // 30063 Total system power factor
  f('frequency_hz', 0x0046), // 30071 Frequency of supply voltages
  f('energy_import_kwh', 0x0048), // 30073 Total import kWh
  f('energy_export_kwh', 0x004a), // 30075 Total export kWh
  f('reactive_energy_import_kvarh', 0x004c), // 30077 Total import kVArh
  f('reactive_energy_export_kvarh', 0x004e), // 30079 Total export kVArh
  f('current_n_a', 0x00e0), // 30225 Neutral current
];

/** Datasheet: Eastron SDM630 Modbus Protocol, V1.8 (input registers, 30001-based). */
export const SDM630: MeterModel = {
  name: 'SDM630',
  vendor: 'Eastron',
  kind: 'electricity',
  datasheet: 'Eastron SDM630 Modbus Protocol V1.8, "Input Registers" table',
  provenance: { status: 'captured', source: 'arendst/Tasmota issue #13224, oscilloscope capture of an SDM630 (224.146606445 V); test/unit/gateway/models/captured.test.ts' },
  limits: EASTRON_LIMITS,
  registers: sdm630Registers,
  identify: [
    ...acHints(sdm630Registers),
    // A three-phase meter reports a second phase voltage where single-phase SDMs read zero.
    { fc: 4, address: 0x0002, type: 'float32', order: 'ABCD', min: 80, max: 300, what: 'voltage L2-N' },
  ],
};

const sdm120Registers = [
  f('voltage_l1_v', 0x0000), // 30001 Voltage
  f('current_l1_a', 0x0006), // 30007 Current
  f('power_kw', 0x000c, W_TO_KW), // 30013 Active power, W
  f('apparent_power_kva', 0x0012, W_TO_KW), // 30019 Apparent power, VA
  f('reactive_power_kvar', 0x0018, W_TO_KW), // 30025 Reactive power, VAr
  f('power_factor', 0x001e), // 30031 Power factor
  f('frequency_hz', 0x0046), // 30071 Frequency
  f('energy_import_kwh', 0x0048), // 30073 Import active energy, kWh
  f('energy_export_kwh', 0x004a), // 30075 Export active energy, kWh
  f('reactive_energy_import_kvarh', 0x004c), // 30077 Import reactive energy, kVArh
  f('reactive_energy_export_kvarh', 0x004e), // 30079 Export reactive energy, kVArh
];

/** Datasheet: Eastron SDM120-Modbus protocol (as tabled in mbmd meters/rs485/sdm120.go). */
export const SDM120: MeterModel = {
  name: 'SDM120',
  vendor: 'Eastron',
  kind: 'electricity',
  datasheet: 'Eastron SDM120 Modbus Smart Meter Modbus Protocol Implementation, "Input Registers" table',
  provenance: { status: 'captured', source: 'Tasmota xnrg_08_sdm120.ino worked example (230.2 V); test/unit/gateway/models/captured.test.ts' },
  limits: EASTRON_LIMITS,
  registers: sdm120Registers,
  identify: acHints(sdm120Registers),
};

const sdm72Registers = [
  f('voltage_l1_v', 0x0000), // 30001 Phase 1 line to neutral volts
  f('voltage_l2_v', 0x0002), // 30003 Phase 2 line to neutral volts
  f('voltage_l3_v', 0x0004), // 30005 Phase 3 line to neutral volts
  f('current_l1_a', 0x0006), // 30007 Phase 1 current
  f('current_l2_a', 0x0008), // 30009 Phase 2 current
  f('current_l3_a', 0x000a), // 30011 Phase 3 current
  f('power_l1_kw', 0x000c, W_TO_KW), // 30013 Phase 1 active power, W
  f('power_l2_kw', 0x000e, W_TO_KW), // 30015 Phase 2 active power, W
  f('power_l3_kw', 0x0010, W_TO_KW), // 30017 Phase 3 active power, W
  f('power_kw', 0x0034, W_TO_KW), // 30053 Total system power, W
  f('apparent_power_kva', 0x0038, W_TO_KW), // 30057 Total system volt amps, VA
  f('reactive_power_kvar', 0x003c, W_TO_KW), // 30061 Total system VAr
  f('power_factor', 0x003e), // 30063 Total system power factor
  f('frequency_hz', 0x0046), // 30071 Frequency of supply voltages
  f('energy_import_kwh', 0x0048), // 30073 Total Import kWh
  f('energy_export_kwh', 0x004a), // 30075 Total Export kWh
];

// The SDM72 manuals allow fewer parameters per request than the SDM630/SDM120 protocol documents:
// "Each request for data must be restricted to 30 parameters or less" (SDM72D-M manual V1.5), and
// the SDM72DM-V2 manual says the same (quoted in esphome/issues#4627, where an SDM72DM never
// answered a reader asking for 80 registers at once but answered smaller reads). 30 float
// parameters are 60 registers.
const SDM72_LIMITS = { maxRegisters: 60 };

/** Datasheet: Eastron SDM72DM-V2 user manual, Modbus input register table. */
export const SDM72DM_V2: MeterModel = {
  name: 'SDM72DM-V2',
  vendor: 'Eastron',
  kind: 'electricity',
  datasheet: 'Eastron SDM72DM-V2 User Manual, "Modbus Protocol — Input Registers" (as tabled in mbmd meters/rs485/sdm72v2.go)',
  provenance: { status: 'datasheet' },
  limits: SDM72_LIMITS,
  registers: sdm72Registers,
  identify: acHints(sdm72Registers),
};
