/**
 * The slave side of EN 13757-2 framing, written for the simulator on its own (simulators import
 * no gateway code): a master's short and long frames in, E5 and RSP_UD long frames out.
 */
export type MasterFrame =
  | { type: 'short'; c: number; a: number }
  | { type: 'long'; c: number; a: number; ci: number; data: Buffer };

const sum = (b: Uint8Array, from: number, to: number) => {
  let s = 0;
  for (let i = from; i < to; i++) s = (s + b[i]!) & 0xff;
  return s;
};

/**
 * Takes the first frame off `buf`. Returns the frame (or null for bytes that are no valid master
 * frame: a slave ignores them, as it would line noise) and how many bytes it used; undefined while
 * the frame is still arriving.
 */
export function takeMasterFrame(buf: Buffer): { frame: MasterFrame | null; used: number } | undefined {
  if (buf.length === 0) return undefined;
  if (buf[0] === 0x10) {
    if (buf.length < 5) return undefined;
    const ok = buf[4] === 0x16 && sum(buf, 1, 3) === buf[3];
    return { frame: ok ? { type: 'short', c: buf[1]!, a: buf[2]! } : null, used: 5 };
  }
  if (buf[0] === 0x68) {
    if (buf.length < 4) return undefined;
    const l = buf[1]!;
    if (buf[2] !== l || buf[3] !== 0x68 || l < 3) return { frame: null, used: 1 };
    if (buf.length < l + 6) return undefined;
    const ok = buf[l + 5] === 0x16 && sum(buf, 4, 4 + l) === buf[4 + l];
    return { frame: ok ? { type: 'long', c: buf[4]!, a: buf[5]!, ci: buf[6]!, data: Buffer.from(buf.subarray(7, 4 + l)) } : null, used: l + 6 };
  }
  // Not a start byte: skip it (a real slave's UART resynchronises the same way).
  return { frame: null, used: 1 };
}

export function longFrame(c: number, a: number, ci: number, data: Uint8Array): Buffer {
  const l = data.length + 3;
  const out = Buffer.alloc(l + 6);
  out[0] = 0x68; out[1] = l; out[2] = l; out[3] = 0x68; out[4] = c; out[5] = a; out[6] = ci;
  out.set(data, 7);
  out[l + 4] = sum(out, 4, l + 4);
  out[l + 5] = 0x16;
  return out;
}

export const ACK = Buffer.from([0xe5]);
