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
  /**
   * The step the value is given to, in the measurement's unit. Integer registers default to their
   * scale (0.1 V per count); float registers to a step per unit (resolution.ts).
   */
  readonly resolution?: number;
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
  /** What the register table was checked against (see docs/meter-models.md). */
  readonly provenance: Provenance;
}

/**
 * What a model's table was checked against. `captured`: bytes from a real (or third-party) device,
 * or a worked example printed in the maker's document, decoded by the test that names `source`;
 * `datasheet`: transcribed from the document only, not yet checked against any bytes.
 */
export type Provenance =
  | { readonly status: 'captured'; readonly source: string }
  | { readonly status: 'datasheet'; readonly source?: string };

/** The serial protocols a meter model can speak besides Modbus. */
export type SerialProtocol = 'dlt645' | 'cjt188';

/**
 * A DL/T 645-2007 value format as Appendix A of the standard writes it: one X per BCD digit,
 * e.g. `XXXXXX.XX` = 4 bytes with two decimals.
 */
export type Dlt645Format = string;

/** One data identifier a DL/T 645-2007 model reads. */
export interface Dlt645Item {
  /** DI3 DI2 DI1 DI0 as the standard writes it (e.g. 0x00010000 forward active total energy). */
  readonly di: number;
  readonly measurement: MeasurementKey;
  readonly format: Dlt645Format;
  /** The top bit of the most significant byte is the sign (Appendix A: currents, powers, PF). */
  readonly signed?: boolean;
  /** value = decoded × scale, when the model's unit differs from the measurement's (e.g. W → kW). */
  readonly scale?: number;
}

export interface Dlt645Model {
  readonly protocol: 'dlt645';
  readonly name: string;
  readonly vendor: string;
  readonly kind: 'electricity';
  readonly datasheet: string;
  readonly provenance: Provenance;
  readonly items: readonly Dlt645Item[];
}

/** The fields of a CJ/T 188 DI 901FH answer a model maps to measurements. */
export type Cjt188Field =
  | 'current_volume' | 'settlement_volume'
  | 'current_heat' | 'settlement_heat' | 'heat_power' | 'flow' | 'cumulative_volume'
  | 'supply_temp' | 'return_temp';

export interface Cjt188Model {
  readonly protocol: 'cjt188';
  readonly name: string;
  readonly vendor: string;
  readonly kind: 'water' | 'heat' | 'gas';
  readonly datasheet: string;
  readonly provenance: Provenance;
  /** CJ/T 188-2004 Table 2 meter type (T) sent in requests: 10H–13H water, 20H/21H heat/cooling, 30H gas. */
  readonly meterType: number;
  /**
   * How the meter wants DI 901FH on the wire. The standard sends DI0 first ("1F 90"), but many
   * water meters in the field expect and answer "90 1F"; replies are accepted either way.
   */
  readonly diOrder: '901F' | '1F90';
  readonly fields: Readonly<Partial<Record<Cjt188Field, MeasurementKey>>>;
  /**
   * The unit code comes before each value instead of after it (a vendor deviation from
   * CJ/T 188-2004 seen on heat meters; see the JY model).
   */
  readonly unitFirst?: boolean;
}
