import type { MeasurementKey } from '../../core/index.ts';
import { decodeRegister, encodeRaw, fromBigEndian } from '../../gateway/models/decode.ts';
import { REGISTER_WIDTH, type IdentifyHint, type ReadLimits, type RegisterDef } from '../../gateway/models/types.ts';
import type { Values } from './physics.ts';

// Modbus Application Protocol V1.1b3, 6.3/6.4: 1 ≤ quantity of registers ≤ 125 (0x7D).
export const MAX_READ_REGISTERS = 125;

export const EXCEPTION = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
} as const;

export type ReadResult = { data: Buffer } | { exception: number };

/** How a read of registers that no definition covers, but inside the map's extent, is answered. */
export type GapPolicy = 'zero' | 'exception';

const INTEGER_BITS: Partial<Record<RegisterDef['type'], number>> = { int16: 16, uint16: 16, int32: 32, uint32: 32 };

/**
 * The raw register value for `value`, wrapped the way a counter register wraps when it passes its
 * maximum (integer types only; floats have no wrap point).
 */
function rawFor(def: RegisterDef, value: number): number {
  const raw = (value - (def.offset ?? 0)) / def.scale;
  const bits = INTEGER_BITS[def.type];
  if (bits === undefined || !Number.isFinite(raw)) return raw;
  const mod = 2 ** bits;
  let r = ((Math.round(raw) % mod) + mod) % mod;
  if (def.type.startsWith('int') && r >= mod / 2) r -= mod;
  return r;
}

/** Wire-order bytes for one register definition, with counter wrap. */
export function encodeWrapped(def: RegisterDef, value: number): Buffer {
  return fromBigEndian(encodeRaw(rawFor(def, value), def.type), def.order);
}

/** The value a client decodes from the registers the simulator serves for `value`. */
export function quantize(def: RegisterDef, value: number): number {
  return decodeRegister(def, encodeWrapped(def, value), def.address);
}

/** The counter value at which the register wraps to 0, or null (floats, 64-bit). */
export function wrapPoint(def: RegisterDef): number | null {
  const bits = INTEGER_BITS[def.type];
  if (bits === undefined) return null;
  const unsigned = def.type.startsWith('u');
  return (unsigned ? 2 ** bits : 2 ** (bits - 1)) * def.scale + (def.offset ?? 0);
}

interface Fixed { fc: number; address: number; bytes: Buffer }

/** A meter's register layout, answering reads from a snapshot of values. */
export class RegisterMap {
  private readonly extent = new Map<number, { lo: number; hi: number }>();
  private readonly fixed: Fixed[] = [];
  readonly maxRegisters: number;

  constructor(
    readonly defs: readonly RegisterDef[],
    readonly limits: Partial<ReadLimits> = {},
    readonly gaps: GapPolicy = 'zero',
    identify: readonly IdentifyHint[] = [],
  ) {
    // A model's identify hints name registers a real device fills (a status or type code); those no
    // measurement covers hold the middle of the hint's range, so a bus scan recognises the simulator.
    for (const h of identify) {
      if (defs.some((d) => d.fc === h.fc && d.address === h.address)) continue;
      const def = { measurement: 'power_kw', fc: h.fc, address: h.address, type: h.type, order: h.order, scale: h.scale ?? 1 } as const;
      this.fixed.push({ fc: h.fc, address: h.address, bytes: encodeWrapped(def, (h.min + h.max) / 2) });
    }
    const spans = [
      ...defs.map((d) => ({ fc: d.fc as number, address: d.address, width: REGISTER_WIDTH[d.type] })),
      ...this.fixed.map((f) => ({ fc: f.fc, address: f.address, width: f.bytes.length / 2 })),
    ];
    for (const d of spans) {
      const end = d.address + d.width - 1;
      const e = this.extent.get(d.fc);
      this.extent.set(d.fc, e ? { lo: Math.min(e.lo, d.address), hi: Math.max(e.hi, end) } : { lo: d.address, hi: end });
    }
    this.maxRegisters = Math.min(MAX_READ_REGISTERS, limits.maxRegisters ?? MAX_READ_REGISTERS);
  }

  /** The first definition of each measurement: what `get()` reports. */
  primary(): Map<MeasurementKey, RegisterDef> {
    const out = new Map<MeasurementKey, RegisterDef>();
    for (const d of this.defs) if (!out.has(d.measurement)) out.set(d.measurement, d);
    return out;
  }

  /** Checks a read request; returns the exception code, or 0 when the read is legal. */
  check(fc: number, address: number, count: number): number {
    if (count < 1 || count > this.maxRegisters) return EXCEPTION.ILLEGAL_DATA_VALUE;
    const end = address + count - 1;
    // Spec 6.3: starting address + quantity beyond the device's range is exception 02.
    const e = this.extent.get(fc);
    if (!e || address < e.lo || end > e.hi) return EXCEPTION.ILLEGAL_DATA_ADDRESS;
    if (this.limits.boundaries?.some((b) => address < b && end >= b)) return EXCEPTION.ILLEGAL_DATA_ADDRESS;
    if (this.gaps === 'exception') {
      for (let a = address; a <= end; a++) {
        if (!this.defs.some((d) => d.fc === fc && a >= d.address && a < d.address + REGISTER_WIDTH[d.type]) &&
          !this.fixed.some((f) => f.fc === fc && a >= f.address && a < f.address + f.bytes.length / 2)) {
          return EXCEPTION.ILLEGAL_DATA_ADDRESS;
        }
      }
    }
    return 0;
  }

  /** Register bytes for [address, address+count) from `values`; registers nobody defines read 0. */
  read(fc: number, address: number, count: number, values: Values): ReadResult {
    const code = this.check(fc, address, count);
    if (code) return { exception: code };
    const data = Buffer.alloc(count * 2);
    const put = (at: number, bytes: Buffer) => {
      // A value may straddle the requested range: copy only the overlapping words.
      const from = Math.max(at, address);
      const to = Math.min(at + bytes.length / 2, address + count);
      if (from < to) bytes.copy(data, (from - address) * 2, (from - at) * 2, (to - at) * 2);
    };
    for (const f of this.fixed) if (f.fc === fc) put(f.address, f.bytes);
    for (const d of this.defs) {
      if (d.fc !== fc || d.address + REGISTER_WIDTH[d.type] <= address || d.address >= address + count) continue;
      const v = values[d.measurement];
      if (v !== undefined) put(d.address, encodeWrapped(d, v));
    }
    return { data };
  }
}
