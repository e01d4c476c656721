import type { MeterModel, RegisterDef } from './types.ts';
import type { MeasurementKey } from '../../core/index.ts';

// Eastron SDM-series: every value is an IEEE 754 float32, big-endian, in input registers (FC 04).
const f = (measurement: MeasurementKey, address: number, scale = 1): RegisterDef => ({
  measurement, fc: 4, address, type: 'float32', order: 'ABCD', scale,
});

// Eastron protocol documents: "Each request for data must be restricted to 40 parameters or
// less" — 40 float parameters are 80 registers.
const EASTRON_LIMITS = { maxRegisters: 80 };

/** Datasheet: Eastron SDM630 Modbus Protocol, V1.8 (input registers, 30001-based). */
export const SDM630: MeterModel = {
  name: 'SDM630',
  vendor: 'Eastron',
  kind: 'electricity',
  datasheet: 'Eastron SDM630 Modbus Protocol V1.8, "Input Registers" table',
  limits: EASTRON_LIMITS,
  registers: [
    f('voltage_l1_v', 0x0000), // 30001 Phase 1 line to neutral volts
    f('voltage_l2_v', 0x0002), // 30003 Phase 2 line to neutral volts
    f('voltage_l3_v', 0x0004), // 30005 Phase 3 line to neutral volts
    f('current_l1_a', 0x0006), // 30007 Phase 1 current
    f('current_l2_a', 0x0008), // 30009 Phase 2 current
    f('current_l3_a', 0x000a), // 30011 Phase 3 current
    f('power_l1_kw', 0x000c, 0.001), // 30013 Phase 1 power, W
    f('power_l2_kw', 0x000e, 0.001), // 30015 Phase 2 power, W
    f('power_l3_kw', 0x0010, 0.001), // 30017 Phase 3 power, W
    f('power_kw', 0x0034, 0.001), // 30053 Total system power, W
    f('apparent_power_kva', 0x0038, 0.001), // 30057 Total system volt amps, VA
    f('reactive_power_kvar', 0x003c, 0.001), // 30061 Total system VAr
    f('power_factor', 0x003e), // 30063 Total system power factor
    f('frequency_hz', 0x0046), // 30071 Frequency of supply voltages
    f('energy_import_kwh', 0x0048), // 30073 Total import kWh
    f('energy_export_kwh', 0x004a), // 30075 Total export kWh
    f('reactive_energy_import_kvarh', 0x004c), // 30077 Total import kVArh
    f('reactive_energy_export_kvarh', 0x004e), // 30079 Total export kVArh
    f('current_n_a', 0x00e0), // 30225 Neutral current
  ],
};
