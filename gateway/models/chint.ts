import type { MeterModel } from './types.ts';
import { acHints, block } from './blocks.ts';

// Chint DTSU666: IEEE 754 float32, big-endian, holding registers (FC 03). The instantaneous
// values are integers in fixed units carried as floats (Ua in 0.1 V, Ia in 0.001 A, Pt in 0.1 W,
// PF in 0.001, Freq in 0.01 Hz); they are secondary-side values, i.e. independent of the
// meter's own CT/PT setting (IrAt/UrAt). Energy is in kWh.
const f = block(3, 'float32', 'ABCD');
const DECIWATT_TO_KW = 0.0001;

const registers = [
  f('voltage_l1_v', 0x2006, 0.1), // 2006H Ua, phase A voltage
  f('voltage_l2_v', 0x2008, 0.1), // 2008H Ub, phase B voltage
  f('voltage_l3_v', 0x200a, 0.1), // 200AH Uc, phase C voltage
  f('current_l1_a', 0x200c, 0.001), // 200CH Ia, phase A current
  f('current_l2_a', 0x200e, 0.001), // 200EH Ib, phase B current
  f('current_l3_a', 0x2010, 0.001), // 2010H Ic, phase C current
  f('power_kw', 0x2012, DECIWATT_TO_KW), // 2012H Pt, combined active power
  f('power_l1_kw', 0x2014, DECIWATT_TO_KW), // 2014H Pa, phase A active power
  f('power_l2_kw', 0x2016, DECIWATT_TO_KW), // 2016H Pb, phase B active power
  f('power_l3_kw', 0x2018, DECIWATT_TO_KW), // 2018H Pc, phase C active power
  f('reactive_power_kvar', 0x201a, DECIWATT_TO_KW), // 201AH Qt, combined reactive power
  f('power_factor', 0x202a, 0.001), // 202AH PFt, combined power factor
  f('frequency_hz', 0x2044, 0.01), // 2044H Freq
  f('energy_import_kwh', 0x401e), // 401EH ImpEp, positive active total energy
  f('energy_export_kwh', 0x4028), // 4028H ExpEp, negative active total energy
];

/**
 * Datasheet: Chint DTSU666 three-phase meter user manual, communication address table
 * (2000H–2044H instantaneous block; 401EH/4028H energy), as transcribed in
 * gerontec/dtsu666 README.md and mbmd meters/rs485/dtsu666.go (scaling).
 */
export const DTSU666: MeterModel = {
  name: 'DTSU666',
  vendor: 'Chint',
  kind: 'electricity',
  datasheet: 'Chint DTSU666/DSSU666 User Manual, "Communication address table" (2000H–2044H, 401EH–4028H)',
  provenance: { status: 'datasheet' },
  registers,
  identify: acHints(registers),
};
