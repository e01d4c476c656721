import zlib from 'node:zlib';

// A frame: len u32 LE | crc32 u32 LE | seq u64 LE | body (`len` bytes: a reading, see codec.ts).
// The CRC covers seq and body, so a torn write, a flipped bit or a stale block all show up.
export const HEADER_BYTES = 16;
// A reading is tens to a few hundred bytes; anything claiming more is a corrupt length field.
export const MAX_BODY_BYTES = 1024 * 1024;

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32js(buf: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

// zlib.crc32 is native from Node 20.15; older 20.x falls back to the table.
const crc32: (buf: Uint8Array) => number = typeof zlib.crc32 === 'function' ? (b) => zlib.crc32(b) : crc32js;

/** Encodes bodies as consecutive frames starting at firstSeq into one buffer (one write per batch). */
export function encodeFrames(firstSeq: number, bodies: readonly (string | Uint8Array)[]): { buf: Buffer; ends: number[] } {
  const lens = bodies.map((b) => (typeof b === 'string' ? Buffer.byteLength(b) : b.length));
  const total = lens.reduce((a, n) => a + HEADER_BYTES + n, 0);
  const buf = Buffer.allocUnsafe(total);
  const ends: number[] = [];
  let off = 0;
  for (let i = 0; i < bodies.length; i++) {
    const len = lens[i]!;
    const body = bodies[i]!;
    buf.writeUInt32LE(len, off);
    buf.writeBigUInt64LE(BigInt(firstSeq + i), off + 8);
    if (typeof body === 'string') buf.write(body, off + HEADER_BYTES, len, 'utf8');
    else buf.set(body, off + HEADER_BYTES);
    buf.writeUInt32LE(crc32(buf.subarray(off + 8, off + HEADER_BYTES + len)), off + 4);
    off += HEADER_BYTES + len;
    ends.push(off);
  }
  return { buf, ends };
}

export type FrameCheck =
  | { kind: 'ok'; seq: number; bodyLen: number }
  | { kind: 'short' } // the frame runs past the end of `buf`: read more, or it is torn
  | { kind: 'bad'; bodyLen: number | null; reason: string }; // bodyLen null: the length itself is implausible

/** Checks the frame at `off` in `buf` (which holds file bytes up to `buf.length`). */
export function checkFrame(buf: Buffer, off: number): FrameCheck {
  if (buf.length - off < HEADER_BYTES) return { kind: 'short' };
  const len = buf.readUInt32LE(off);
  if (len === 0 || len > MAX_BODY_BYTES) return { kind: 'bad', bodyLen: null, reason: `implausible length ${len}` };
  if (buf.length - off < HEADER_BYTES + len) return { kind: 'short' };
  const crc = buf.readUInt32LE(off + 4);
  if (crc32(buf.subarray(off + 8, off + HEADER_BYTES + len)) !== crc) return { kind: 'bad', bodyLen: len, reason: 'checksum mismatch' };
  return { kind: 'ok', seq: Number(buf.readBigUInt64LE(off + 8)), bodyLen: len };
}
