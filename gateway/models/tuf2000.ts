import type { MeterModel } from './types.ts';
import { block } from './blocks.ts';

// TUF-2000M ultrasonic flow meters (sold as water and energy meters by several makers): holding
// registers (FC 03); REAL4 and LONG values are sent low word first (CDAB) — a live meter's
// registers 21–22 read FFC8 FFFF for the documented -56 (gambit-labs/challenge). The manual numbers
// registers from 1; the wire address is the number − 1. Units are the factory defaults
// (m³/h, m³ with totalizer multiplier ×1); the LONG totalizer is the integer part only (its
// fraction is a separate REAL4 at register 0011).
const f = block(3, 'float32', 'CDAB');
const l = block(3, 'int32', 'CDAB');

const registers = [
  f('flow_m3h', 0), // REG 0001-0002 Flow rate, m³/h
  l('volume_m3', 8), // REG 0009-0010 Positive accumulator, m³
  f('supply_temp_c', 32), // REG 0033-0034 Temperature #1/inlet, °C
  f('return_temp_c', 34), // REG 0035-0036 Temperature #2/outlet, °C
];

/** Datasheet: TUF-2000M user manual, "MODBUS register table" (REG 0001–0036). */
export const TUF2000M: MeterModel = {
  name: 'TUF-2000M',
  vendor: 'TUF-2000 (various makers)',
  kind: 'water',
  datasheet: 'TUF-2000M Ultrasonic Flow Meter User Manual, "MODBUS register table"',
  registers,
};
