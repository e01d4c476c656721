import type { SimMeter } from './meter.ts';
import { reply } from './pdu.ts';
import { RtuRequestReader, withCrc } from './rtu-frame.ts';

/** The byte stream an RTU line is served over: a serial port or a TCP socket from a bridge. */
export interface ByteLink {
  write(data: Buffer): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/** Time without bytes after which a partial frame is dropped; see RtuRequestReader. */
export function silenceMs(baudRate: number): number {
  // Spec 2.5.1.1: 3.5 character times (11 bits each), and a fixed 1.75 ms above 19200 baud. On a pty
  // or a TCP bridge bytes arrive in chunks, so never go below a few milliseconds.
  return Math.max(baudRate > 19200 ? 1.75 : (3.5 * 11 * 1000) / baudRate, 20);
}

/**
 * Serves every meter on one RTU line: each answers only frames addressed to its unit id, the
 * others stay silent (spec 2.2), as on an RS-485 bus. Unit 0 is broadcast: reads get no answer.
 * Returns a function that detaches from the link.
 */
export function serveRtuLine(
  link: ByteLink,
  meters: ReadonlyMap<number, SimMeter>,
  seed: number,
  opts: { silenceMs: number; onDisconnect?: () => void },
): () => void {
  const reader = new RtuRequestReader((frame) => {
    const meter = meters.get(frame[0]!);
    if (!meter) return;
    void reply(meter, frame.subarray(1, frame.length - 2), seed).then((r) => {
      switch (r.kind) {
        case 'none':
          return;
        case 'disconnect':
          opts.onDisconnect?.();
          return;
        case 'garbage':
          link.write(r.bytes);
          return;
        case 'pdu': {
          const out = withCrc(meter.unitId, r.pdu);
          if (r.corruptCrc) out[out.length - 1]! ^= 0xff;
          link.write(out);
        }
      }
    });
  }, opts.silenceMs);
  const onData = (chunk: Buffer) => reader.push(chunk);
  link.on('data', onData);
  return () => {
    link.off('data', onData);
    reader.stop();
  };
}
