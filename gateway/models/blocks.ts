import type { MeasurementKey } from '../../core/index.ts';
import type { ByteOrder, FunctionCode, IdentifyHint, RegisterDef, RegisterType } from './types.ts';

// Unit conversions into the units of core/measurements.ts. Registers are scaled at decode time:
// value = raw × scale + offset.
export const W_TO_KW = 0.001;
export const WH_TO_KWH = 0.001;
export const MWH_TO_KWH = 1000;
export const GJ_TO_KWH = 1e6 / 3600; // 1 GJ = 277.777… kWh
export const MJ_TO_KWH = 1 / 3.6;
export const L_TO_M3 = 0.001;
export const LH_TO_M3H = 0.001;

/**
 * A register table in which every value shares function code, type and byte order — the common
 * case in a datasheet's table. `reg(measurement, address, scale?)` builds one row.
 */
export function block(fc: FunctionCode, type: RegisterType, order: ByteOrder = 'ABCD') {
  return (measurement: MeasurementKey, address: number, scale = 1, offset?: number): RegisterDef =>
    offset === undefined
      ? { measurement, fc, address, type, order, scale }
      : { measurement, fc, address, type, order, scale, offset };
}

/** An identify hint built from a register row: the same address, type, order and scale. */
export function hint(def: RegisterDef, min: number, max: number, what: string): IdentifyHint {
  return { fc: def.fc, address: def.address, type: def.type, order: def.order, scale: def.scale, min, max, what };
}

/** Hints for an AC meter: a mains L-N voltage and a mains frequency where the table puts them. */
export function acHints(registers: readonly RegisterDef[]): IdentifyHint[] {
  const out: IdentifyHint[] = [];
  const v = registers.find((r) => r.measurement === 'voltage_l1_v');
  const f = registers.find((r) => r.measurement === 'frequency_hz');
  if (v) out.push(hint(v, 80, 300, 'voltage L1-N'));
  if (f) out.push(hint(f, 45, 65, 'frequency'));
  return out;
}
