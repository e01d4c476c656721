import type { MeterModel } from './types.ts';
import { acHints, block } from './blocks.ts';

// ABB B-series (B21/B23/B24): holding registers (FC 03), big-endian integers with fixed
// resolutions. Unused quantities read as FFFF… (unsigned) or 7FFF… (signed), which decode to
// values outside the measurement's range and are flagged downstream.
const u16 = block(3, 'uint16');
const i16 = block(3, 'int16');
const u32 = block(3, 'uint32');
const i32 = block(3, 'int32');
const u64 = block(3, 'uint64');
const CENTIWATT_TO_KW = 0.00001;

const registers = [
  u64('energy_import_kwh', 0x5000, 0.01), // 5000H Active import, 0.01 kWh
  u64('energy_export_kwh', 0x5004, 0.01), // 5004H Active export, 0.01 kWh
  u32('voltage_l1_v', 0x5b00, 0.1), // 5B00H Voltage L1-N, 0.1 V
  u32('voltage_l2_v', 0x5b02, 0.1), // 5B02H Voltage L2-N, 0.1 V
  u32('voltage_l3_v', 0x5b04, 0.1), // 5B04H Voltage L3-N, 0.1 V
  u32('current_l1_a', 0x5b0c, 0.01), // 5B0CH Current L1, 0.01 A
  u32('current_l2_a', 0x5b0e, 0.01), // 5B0EH Current L2, 0.01 A
  u32('current_l3_a', 0x5b10, 0.01), // 5B10H Current L3, 0.01 A
  i32('power_kw', 0x5b14, CENTIWATT_TO_KW), // 5B14H Active power total, 0.01 W
  i32('power_l1_kw', 0x5b16, CENTIWATT_TO_KW), // 5B16H Active power L1, 0.01 W
  i32('power_l2_kw', 0x5b18, CENTIWATT_TO_KW), // 5B18H Active power L2, 0.01 W
  i32('power_l3_kw', 0x5b1a, CENTIWATT_TO_KW), // 5B1AH Active power L3, 0.01 W
  u16('frequency_hz', 0x5b2c, 0.01), // 5B2CH Frequency, 0.01 Hz
  i16('power_factor', 0x5b3a, 0.001), // 5B3AH Power factor total, 0.001
];

/** Datasheet: ABB B-series energy meters manual (2CMC485003M0201), section "Modbus mapping tables" (as tabled in mbmd meters/rs485/abb.go). */
export const B23: MeterModel = {
  name: 'B23',
  vendor: 'ABB',
  kind: 'electricity',
  datasheet: 'ABB B21/B23/B24 User Manual 2CMC485003M0201, "Communication with Modbus — Mapping tables"',
  provenance: { status: 'captured', source: 'gonium/gosdm630 PR #122 log of a B23 (power factor, total power, 7FFF marker); test/unit/gateway/models/captured.test.ts' },
  registers,
  identify: acHints(registers),
};
