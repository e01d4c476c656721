// Modbus over Serial Line V1.02, 2.5.1: an RTU frame is address, PDU, CRC-16 (low byte first).

/** CRC-16/MODBUS (polynomial 0xA001 reflected, initial 0xFFFF), spec 6.2.2. */
export function crc16(buf: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function withCrc(unitId: number, pdu: Buffer): Buffer {
  const frame = Buffer.alloc(pdu.length + 3);
  frame[0] = unitId;
  pdu.copy(frame, 1);
  frame.writeUInt16LE(crc16(frame.subarray(0, frame.length - 2)), frame.length - 2);
  return frame;
}

export function crcOk(frame: Buffer): boolean {
  return frame.length >= 4 && crc16(frame.subarray(0, frame.length - 2)) === frame.readUInt16LE(frame.length - 2);
}

/**
 * The length of the request frame starting at buf[0], from its function code (Modbus Application
 * Protocol 6.x request layouts); null when the code is unknown or more bytes are needed to tell.
 */
export function requestLength(buf: Buffer): number | null {
  const fc = buf[1];
  switch (fc) {
    case undefined: return null;
    case 1: case 2: case 3: case 4: case 5: case 6: case 8: return 8;
    case 7: case 11: case 12: case 17: return 4;
    case 15: case 16: return buf.length > 6 ? 9 + buf[6]! : null;
    case 22: return 10;
    case 23: return buf.length > 10 ? 13 + buf[10]! : null;
    case 24: return 6;
    default: return null;
  }
}

/**
 * Cuts a byte stream into request frames. Frames of known length are taken as soon as they are
 * complete; a frame that fails its CRC costs one byte (resynchronising after line noise); the end
 * of a frame of unknown length, or a partial frame, is declared by silence (spec 2.5.1.1: t3.5).
 */
export class RtuRequestReader {
  private buf: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onFrame: (frame: Buffer) => void, private readonly silenceMs: number) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length < 4) break;
      const len = requestLength(this.buf);
      if (len === null) {
        // Unknown function code: either a frame whose end only silence tells, or noise in front of
        // a request. Skip to a complete, CRC-valid request further on if there is one.
        const skip = this.validFrameOffset();
        if (skip === 0) break;
        this.buf = this.buf.subarray(skip);
        continue;
      }
      if (this.buf.length < len) break;
      const frame = this.buf.subarray(0, len);
      if (crcOk(frame)) {
        this.buf = this.buf.subarray(len);
        this.onFrame(frame);
      } else {
        this.buf = this.buf.subarray(1);
      }
    }
    clearTimeout(this.timer);
    if (this.buf.length) this.timer = setTimeout(() => this.silence(), this.silenceMs);
  }

  private validFrameOffset(): number {
    for (let i = 1; i + 4 <= this.buf.length; i++) {
      const rest = this.buf.subarray(i);
      const len = requestLength(rest);
      if (len !== null && rest.length >= len && crcOk(rest.subarray(0, len))) return i;
    }
    return 0;
  }

  private silence(): void {
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    if (requestLength(rest) === null && crcOk(rest)) this.onFrame(rest);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.buf = Buffer.alloc(0);
  }
}
