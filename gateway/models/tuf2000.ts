import type { MeterModel } from './types.ts';
import { GJ_TO_KWH, block } from './blocks.ts';

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
  provenance: { status: 'captured', source: 'arivin29/note-rencana (36.625 °C) and the gambit-labs/challenge live feed (7.101173400878906 °C, −56); test/unit/gateway/models/captured.test.ts' },
  registers,
};

// The same meter sold with a pair of clamp-on PT100 sensors as an ultrasonic energy (BTU) meter:
// one register table serves both uses (the manual: "only one unique register table provided
// both with flow meter and energy meter"). Energy is read from the LONG integer part; its unit is
// set by REG 1441 (0 = GJ, the factory setting assumed here) and its multiplier by REG 1440
// (10^(n−4), assumed n = 4), so the integer counts whole GJ unless the installer changes them.
const heatRegisters = [
  f('flow_m3h', 0), // REG 0001-0002 Flow rate, m³/h
  f('heat_power_kw', 2, GJ_TO_KWH), // REG 0003-0004 Energy flow rate, GJ/h
  l('volume_m3', 8), // REG 0009-0010 Positive accumulator, m³
  l('heat_energy_kwh', 16, GJ_TO_KWH), // REG 0017-0018 Positive energy accumulator, GJ
  f('supply_temp_c', 32), // REG 0033-0034 Temperature #1/inlet, °C
  f('return_temp_c', 34), // REG 0035-0036 Temperature #2/outlet, °C
];

/** Datasheet: TUF-2000M user manual, "MODBUS register table" (REG 0001–0036, 1440–1441). */
export const TUF2000M_HEAT: MeterModel = {
  name: 'TUF-2000M-Heat',
  vendor: 'TUF-2000 (various makers)',
  kind: 'heat',
  datasheet: 'TUF-2000M Ultrasonic Flow Meter User Manual, "MODBUS register table" (energy meter use: REG 0003, 0017, 0033, 0035; units REG 1440–1441)',
  provenance: { status: 'captured', source: 'gambit-labs/challenge live feed of a TUF-2000M energy meter (T1, energy accumulators); test/unit/gateway/models/captured.test.ts' },
  registers: heatRegisters,
};
