import type { MeterModel } from './types.ts';
import { WH_TO_KWH, acHints, block } from './blocks.ts';

// DZG DVH4013: holding registers (FC 03), unsigned 32-bit big-endian integers.
// The instantaneous block starts at 0000H and energy registers sit in their own 4000H page.
// 0014H/0016H answer exception 2 (illegal data address, noted in mbmd dzg.go), so no merged read
// may run past 0014H.
const u32 = block(3, 'uint32');

const registers = [
  u32('voltage_l1_v', 0x0004, 0.01), // 0004H Voltage L1, 0.01 V
  u32('voltage_l2_v', 0x0006, 0.01), // 0006H Voltage L2, 0.01 V
  u32('voltage_l3_v', 0x0008, 0.01), // 0008H Voltage L3, 0.01 V
  u32('current_l1_a', 0x000a, 0.001), // 000AH Current L1, 0.001 A
  u32('current_l2_a', 0x000c, 0.001), // 000CH Current L2, 0.001 A
  u32('current_l3_a', 0x000e, 0.001), // 000EH Current L3, 0.001 A
  u32('power_factor', 0x0010, 0.001), // 0010H Power factor, 0.001
  u32('frequency_hz', 0x0012, 0.001), // 0012H Frequency, 0.001 Hz
  u32('energy_import_kwh', 0x4000, WH_TO_KWH), // 4000H Active energy import total, Wh
  u32('energy_export_kwh', 0x4100, WH_TO_KWH), // 4100H Active energy export total, Wh
];

/** Datasheet: DZG Communication Protocol DVH4013 (as tabled in mbmd meters/rs485/dzg.go). */
export const DVH4013: MeterModel = {
  name: 'DVH4013',
  vendor: 'DZG',
  kind: 'electricity',
  datasheet: 'DZG Metering "Communication Protocol DVH4013", Modbus register table',
  provenance: { status: 'datasheet' },
  limits: { boundaries: [0x0014] },
  registers,
  identify: acHints(registers),
};
