import type { EnergyKind, MeasurementKey } from '../../core/index.ts';

export type RegisterType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';
/**
 * Byte and word order of a multi-register value, naming the wire order of the bytes of a 32-bit
 * value A B C D (A most significant). ABCD: big-endian (Modbus default); CDAB: word-swapped
 * ("little-endian word order", common on Chinese meters); BADC: byte-swapped; DCBA: little-endian.
 * For 64-bit values the same rule is applied to the 4 words.
 */
export type ByteOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';
export type FunctionCode = 3 | 4;

export const REGISTER_WIDTH: Record<RegisterType, number> = {
  int16: 1, uint16: 1, int32: 2, uint32: 2, int64: 4, uint64: 4, float32: 2, float64: 4,
};

export interface RegisterDef {
  readonly measurement: MeasurementKey;
  /** 3 = holding registers, 4 = input registers. */
  readonly fc: FunctionCode;
  /** Protocol (0-based) address, as sent on the wire. */
  readonly address: number;
  readonly type: RegisterType;
  readonly order: ByteOrder;
  /** value = raw × scale + offset, in the measurement's unit. */
  readonly scale: number;
  readonly offset?: number;
}

export interface ReadLimits {
  /** Most registers one request may ask for (Modbus spec 6.3/6.4: 125). */
  readonly maxRegisters: number;
  /** Most unused registers a merged request may span between two wanted ones. */
  readonly maxGap: number;
  /** Addresses a request must not span (a read across them is refused by the device). */
  readonly boundaries?: readonly number[];
}

/**
 * One register read a bus scan uses to tell whether a device could be this model: the decoded
 * value (raw × scale) must lie within [min, max]. A model's hints are checked together; a
 * device that fails to answer one, or answers outside a range, is not this model.
 */
export interface IdentifyHint {
  readonly fc: FunctionCode;
  readonly address: number;
  readonly type: RegisterType;
  readonly order: ByteOrder;
  readonly scale?: number;
  readonly min: number;
  readonly max: number;
  /** What the register is, for the scan report (e.g. "voltage L1", "frequency"). */
  readonly what: string;
}

export interface MeterModel {
  readonly name: string;
  readonly vendor: string;
  readonly kind: EnergyKind;
  /** The document the register table was taken from. */
  readonly datasheet: string;
  readonly registers: readonly RegisterDef[];
  readonly limits?: Partial<ReadLimits>;
  /** Plausibility checks a bus scan can run to guess this model (see identify.ts). */
  readonly identify?: readonly IdentifyHint[];
}
