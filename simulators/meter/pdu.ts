import type { Fault, Reply } from './faults.ts';
import type { SimMeter } from './meter.ts';
import { bytes } from './random.ts';
import { EXCEPTION } from './register-map.ts';

/** An exception PDU: the function code with its high bit set, then the code (spec 7). */
export function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, code]);
}

/**
 * Answers one request PDU (function code + data) for one meter; the single handler every
 * transport shares. Meters only serve reads: FC 03 (holding) and FC 04 (input registers).
 */
export function handlePdu(meter: SimMeter, pdu: Buffer): Buffer {
  const fc = pdu[0] ?? 0;
  if (fc !== 3 && fc !== 4) return exceptionPdu(fc, EXCEPTION.ILLEGAL_FUNCTION);
  // Spec 6.3/6.4: the request is FC, starting address (2 bytes), quantity (2 bytes).
  if (pdu.length !== 5) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE);
  const address = pdu.readUInt16BE(1);
  const count = pdu.readUInt16BE(3);
  const result = meter.read(fc, address, count);
  if ('exception' in result) return exceptionPdu(fc, result.exception);
  return Buffer.concat([Buffer.from([fc, result.data.length]), result.data]);
}

let garbageCounter = 0;

/** Applies the meter's current fault to one request and says what the transport must send. */
export async function reply(meter: SimMeter, pdu: Buffer, seed: number): Promise<Reply> {
  const fault: Fault | null = meter.takeFault();
  switch (fault?.kind) {
    case 'silent':
      return { kind: 'none' };
    case 'disconnect':
      return { kind: 'disconnect' };
    case 'garbage':
      return { kind: 'garbage', bytes: bytes(seed + ++garbageCounter, fault.length ?? 7) };
    case 'exception':
      return { kind: 'pdu', pdu: exceptionPdu(pdu[0] ?? 0, fault.code) };
    case 'delay':
      await new Promise((r) => setTimeout(r, fault.ms));
      // The value is read when the answer leaves, as a slow meter would.
      return { kind: 'pdu', pdu: handlePdu(meter, pdu) };
    case 'bad_crc':
      return { kind: 'pdu', pdu: handlePdu(meter, pdu), corruptCrc: true };
    case undefined:
      return { kind: 'pdu', pdu: handlePdu(meter, pdu) };
  }
}
