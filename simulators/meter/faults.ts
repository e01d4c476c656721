/**
 * Faults a simulated meter can show on demand. `times` limits a fault to the next N requests
 * addressed to the meter; without it the fault stays until cleared.
 */
export type Fault = (
  /** No answer at all: the master times out. */
  | { kind: 'silent' }
  /** The right answer, late. */
  | { kind: 'delay'; ms: number }
  /** A Modbus exception response with this code (e.g. 0x04 server device failure, 0x06 busy). */
  | { kind: 'exception'; code: number }
  /** RTU: the right frame with its CRC corrupted. Over Modbus TCP there is no CRC: garbage instead. */
  | { kind: 'bad_crc' }
  /** Random bytes instead of a frame. */
  | { kind: 'garbage'; length?: number }
  /** Drops the connection (TCP and RTU-over-TCP); on a serial line, no answer. */
  | { kind: 'disconnect' }
) & { times?: number };

/** What a transport does with one request, after the fault has been applied. */
export type Reply =
  | { kind: 'pdu'; pdu: Buffer; corruptCrc?: boolean }
  | { kind: 'none' }
  | { kind: 'garbage'; bytes: Buffer }
  | { kind: 'disconnect' };
