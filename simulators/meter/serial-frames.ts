/**
 * The meter's side of DL/T 645-2007 and CJ/T 188 framing, written apart from the gateway's codec
 * (simulators import only gateway/models): a fault in one shows up as a disagreement with the other.
 */

const sum = (b: Uint8Array, from: number, to: number) => {
  let s = 0;
  for (let i = from; i < to; i++) s = (s + b[i]!) & 0xff;
  return s;
};

export interface MasterFrame {
  protocol: 'dlt645' | 'cjt188';
  /** Wire-order address bytes. */
  address: Buffer;
  meterType?: number;
  control: number;
  /** DATA as sent (DL/T 645: 33H already removed). */
  data: Buffer;
}

/**
 * Pulls complete master frames out of a byte stream, skipping wake-up bytes and noise. `push`
 * returns the frames completed by the chunk; partial frames wait for more bytes.
 */
export class MasterFrameReader {
  private buf = Buffer.alloc(0);
  constructor(private readonly protocol: 'dlt645' | 'cjt188') {}

  push(chunk: Buffer): MasterFrame[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: MasterFrame[] = [];
    for (;;) {
      const start = this.buf.indexOf(0x68);
      if (start < 0) {
        this.buf = Buffer.alloc(0);
        return out;
      }
      const b = this.buf.subarray(start);
      const head = this.protocol === 'dlt645' ? 10 : 11;
      if (b.length < head) {
        this.buf = b;
        return out;
      }
      if (this.protocol === 'dlt645' && b[7] !== 0x68) {
        this.buf = b.subarray(1);
        continue;
      }
      const len = b[head - 1]!;
      const total = head + len + 2;
      if (b.length < total) {
        this.buf = b;
        return out;
      }
      if (b[total - 2] !== sum(b, 0, total - 2) || b[total - 1] !== 0x16) {
        // Not a frame after all (a 68H inside noise, or a damaged frame): a meter stays silent.
        this.buf = b.subarray(1);
        continue;
      }
      if (this.protocol === 'dlt645') {
        const data = Buffer.from(b.subarray(10, 10 + len)).map((x) => (x - 0x33) & 0xff);
        out.push({ protocol: 'dlt645', address: Buffer.from(b.subarray(1, 7)), control: b[8]!, data: Buffer.from(data) });
      } else {
        out.push({ protocol: 'cjt188', meterType: b[1]!, address: Buffer.from(b.subarray(2, 9)), control: b[9]!, data: Buffer.from(b.subarray(11, 11 + len)) });
      }
      this.buf = b.subarray(total);
    }
  }
}

/** A DL/T 645 reply: FE×n 68 A 68 C L DATA+33 CS 16. */
export function dlt645Reply(address: Buffer, control: number, data: Uint8Array, preamble = 4): Buffer {
  const body = Buffer.alloc(12 + data.length);
  body[0] = 0x68;
  address.copy(body, 1);
  body[7] = 0x68;
  body[8] = control;
  body[9] = data.length;
  for (let i = 0; i < data.length; i++) body[10 + i] = (data[i]! + 0x33) & 0xff;
  body[10 + data.length] = sum(body, 0, 10 + data.length);
  body[11 + data.length] = 0x16;
  return Buffer.concat([Buffer.alloc(preamble, 0xfe), body]);
}

/** A CJ/T 188 reply: FE×n 68 T A C L DATA CS 16. */
export function cjt188Reply(meterType: number, address: Buffer, control: number, data: Uint8Array, preamble = 2): Buffer {
  const body = Buffer.alloc(13 + data.length);
  body[0] = 0x68;
  body[1] = meterType;
  address.copy(body, 2);
  body[9] = control;
  body[10] = data.length;
  Buffer.from(data).copy(body, 11);
  body[11 + data.length] = sum(body, 0, 11 + data.length);
  body[12 + data.length] = 0x16;
  return Buffer.concat([Buffer.alloc(preamble, 0xfe), body]);
}

/** Nameplate digits → wire bytes (low byte first). */
export function wireAddress(digits: string): Buffer {
  const n = digits.length / 2;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = parseInt(digits.slice(digits.length - 2 * (i + 1), digits.length - 2 * i), 16);
  return out;
}

/** Unsigned or signed (top bit) BCD, low byte first, clamped to what the digits can hold. */
export function bcd(value: number, bytes: number, decimals: number, signed = false): Buffer {
  const max = (signed ? 8 : 10) * 10 ** (2 * bytes - 1) - 1;
  let v = Math.min(max, Math.round(Math.abs(value) * 10 ** decimals));
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) {
    const d = v % 100;
    out[i] = (Math.floor(d / 10) << 4) | (d % 10);
    v = Math.floor(v / 100);
  }
  if (signed && value < 0 && out.some((x) => x !== 0)) out[bytes - 1]! |= 0x80;
  return out;
}
