import { crc16 } from './crc16.ts';
import type { Dialect } from './dialects.ts';
import { ProtocolError } from './errors.ts';

/** One frame's content: the instruction sequence number and the AES ciphertext. */
export interface Frame {
  seq: number;
  cipher: Buffer;
}

// head(4) + length(4) + … + crc(2) + tail(4); the length counts the sequence and the ciphertext.
const OVERHEAD = 14;

export function encodeFrame(d: Dialect, f: Frame): Buffer {
  const len = 4 + f.cipher.length;
  const out = Buffer.alloc(OVERHEAD + len);
  d.head.copy(out, 0);
  out.writeUInt32LE(len, 4);
  out.writeUInt32LE(f.seq >>> 0, 8);
  f.cipher.copy(out, 12);
  const crc = crc16(d.crc.scope === 'payload' ? out.subarray(8, 8 + len) : out.subarray(0, 8 + len));
  if (d.crc.endian === 'le') out.writeUInt16LE(crc, 8 + len);
  else out.writeUInt16BE(crc, 8 + len);
  d.tail.copy(out, 10 + len);
  return out;
}

/**
 * Cuts a TCP byte stream into frames. Bytes before a head are skipped (counted in `skipped`); a
 * declared length above `maxFrameBytes` throws `too_large` before anything is buffered for it, so a
 * peer cannot make the reader hold more than one bounded frame.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  skipped = 0;

  constructor(private readonly d: Dialect, private readonly maxFrameBytes: number) {}

  /**
   * Feeds bytes; returns whole frames in order, a frame that fails its checks (CRC, tail) as a
   * ProtocolError in its place. Throws only `too_large`: after it the stream cannot be trusted.
   */
  push(chunk: Buffer): (Frame | ProtocolError)[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: (Frame | ProtocolError)[] = [];
    for (;;) {
      const at = this.buf.indexOf(this.d.head);
      if (at < 0) {
        // Keep the last three bytes: they may be the start of a head split across reads.
        const keep = Math.min(this.buf.length, 3);
        this.skipped += this.buf.length - keep;
        this.buf = this.buf.subarray(this.buf.length - keep);
        return out;
      }
      if (at > 0) {
        this.skipped += at;
        this.buf = this.buf.subarray(at);
      }
      if (this.buf.length < 8) return out;
      const len = this.buf.readUInt32LE(4);
      if (len < 4 || len + OVERHEAD > this.maxFrameBytes) {
        this.buf = this.buf.subarray(4);
        throw new ProtocolError('too_large', `frame declares ${len} bytes of payload; the limit is ${this.maxFrameBytes - OVERHEAD}`);
      }
      if (this.buf.length < OVERHEAD + len) return out;
      const frame = this.buf.subarray(0, OVERHEAD + len);
      this.buf = this.buf.subarray(OVERHEAD + len);
      try {
        out.push(decodeFrame(this.d, frame));
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        out.push(err);
      }
    }
  }
}

/** Checks one whole frame: head, length, tail and CRC. */
export function decodeFrame(d: Dialect, frame: Buffer): Frame {
  if (frame.length < OVERHEAD + 4 || !frame.subarray(0, 4).equals(d.head)) {
    throw new ProtocolError('bad_frame', `not a ${d.name} frame: expected head ${d.head.toString('hex')}`);
  }
  const len = frame.readUInt32LE(4);
  if (frame.length !== OVERHEAD + len) throw new ProtocolError('bad_frame', `frame of ${frame.length} bytes declares ${len} bytes of payload`);
  if (!frame.subarray(10 + len).equals(d.tail)) throw new ProtocolError('bad_frame', `expected tail ${d.tail.toString('hex')}`);
  const sent = d.crc.endian === 'le' ? frame.readUInt16LE(8 + len) : frame.readUInt16BE(8 + len);
  const crc = crc16(d.crc.scope === 'payload' ? frame.subarray(8, 8 + len) : frame.subarray(0, 8 + len));
  if (crc !== sent) throw new ProtocolError('bad_crc', `CRC16 ${sent.toString(16).padStart(4, '0')} does not match the computed ${crc.toString(16).padStart(4, '0')}`);
  return { seq: frame.readUInt32LE(8), cipher: Buffer.from(frame.subarray(12, 8 + len)) };
}
