import { atResolution } from './resolution.ts';
import type { ByteOrder, RegisterDef, RegisterType } from './types.ts';
import { REGISTER_WIDTH } from './types.ts';

/** Reorders the bytes of one value from wire order into big-endian (ABCD) order. */
export function toBigEndian(wire: Buffer, order: ByteOrder): Buffer {
  const out = Buffer.from(wire);
  const words = out.length / 2;
  if (order === 'BADC' || order === 'DCBA') {
    for (let i = 0; i < out.length; i += 2) {
      const a = out[i]!;
      out[i] = out[i + 1]!;
      out[i + 1] = a;
    }
  }
  if (order === 'CDAB' || order === 'DCBA') {
    for (let w = 0; w < words / 2; w++) {
      const a = 2 * w;
      const b = 2 * (words - 1 - w);
      const t0 = out[a]!;
      const t1 = out[a + 1]!;
      out[a] = out[b]!;
      out[a + 1] = out[b + 1]!;
      out[b] = t0;
      out[b + 1] = t1;
    }
  }
  return out;
}

/** The inverse of toBigEndian: all four orders are involutions. */
export const fromBigEndian = toBigEndian;

export function decodeRaw(be: Buffer, type: RegisterType): number {
  switch (type) {
    case 'int16': return be.readInt16BE(0);
    case 'uint16': return be.readUInt16BE(0);
    case 'int32': return be.readInt32BE(0);
    case 'uint32': return be.readUInt32BE(0);
    // 64-bit counters beyond 2^53 lose precision in a double; meters never get near that.
    case 'int64': return Number(be.readBigInt64BE(0));
    case 'uint64': return Number(be.readBigUInt64BE(0));
    case 'float32': return be.readFloatBE(0);
    case 'float64': return be.readDoubleBE(0);
  }
}

export function encodeRaw(value: number, type: RegisterType): Buffer {
  const be = Buffer.alloc(REGISTER_WIDTH[type] * 2);
  switch (type) {
    case 'int16': be.writeInt16BE(Math.round(value)); break;
    case 'uint16': be.writeUInt16BE(Math.round(value)); break;
    case 'int32': be.writeInt32BE(Math.round(value)); break;
    case 'uint32': be.writeUInt32BE(Math.round(value)); break;
    case 'int64': be.writeBigInt64BE(BigInt(Math.round(value))); break;
    case 'uint64': be.writeBigUInt64BE(BigInt(Math.round(value))); break;
    case 'float32': be.writeFloatBE(value); break;
    case 'float64': be.writeDoubleBE(value); break;
  }
  return be;
}

/**
 * Decodes one register definition from a block of register bytes read starting at `blockStart`.
 * Returns the value in the measurement's unit at the register's resolution, so no binary noise
 * (229.60000000000002) leaves the decoder; NaN stays NaN for the caller to flag.
 */
export function decodeRegister(def: RegisterDef, block: Buffer, blockStart: number): number {
  const width = REGISTER_WIDTH[def.type];
  const at = (def.address - blockStart) * 2;
  if (at < 0 || at + width * 2 > block.length) {
    throw new RangeError(`register ${def.address} (${width} words) is outside the block read from ${blockStart}`);
  }
  const raw = decodeRaw(toBigEndian(block.subarray(at, at + width * 2), def.order), def.type);
  return atResolution(def, raw * def.scale + (def.offset ?? 0));
}

/** Encodes a value in the measurement's unit into wire-order register bytes (for simulators). */
export function encodeRegister(def: RegisterDef, value: number): Buffer {
  const raw = (value - (def.offset ?? 0)) / def.scale;
  return fromBigEndian(encodeRaw(raw, def.type), def.order);
}
