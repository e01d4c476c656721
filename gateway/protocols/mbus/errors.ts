/**
 * Errors of the M-Bus stack. Like the other serial protocols' errors (gateway/protocols/errors.ts)
 * each one carries `failureClass`, which the bus scheduler reads to decide between retrying soon,
 * counting towards "absent" and giving up on the meter.
 */
export type MbusFailureClass = 'timeout' | 'transient' | 'permanent';

export type MbusErrorCode =
  // EN 13757-2 (link layer)
  | 'ERR_MBUS_FRAME_START' // first byte is none of E5H, 10H, 68H
  | 'ERR_MBUS_FRAME_INCOMPLETE' // fewer bytes than the frame announces
  | 'ERR_MBUS_FRAME_LENGTH' // the two L bytes differ, or L is below 3
  | 'ERR_MBUS_FRAME_CHECKSUM' // CS is not the sum of C, A, CI and data mod 256
  | 'ERR_MBUS_FRAME_STOP' // the last byte is not 16H
  | 'ERR_MBUS_FRAME_UNEXPECTED' // a valid frame that does not answer the request (address, control field)
  | 'ERR_MBUS_COLLISION' // overlapping answers of several slaves (secondary search)
  // EN 13757-3 (application layer)
  | 'ERR_MBUS_CI' // a CI field this decoder does not implement
  | 'ERR_MBUS_HEADER' // the data header is shorter than its CI field says
  | 'ERR_MBUS_RECORD' // a data record runs past the end of the telegram
  | 'ERR_MBUS_DIFE' // more than 10 DIFEs (EN 13757-3 6.3.3)
  | 'ERR_MBUS_VIFE' // more than 10 VIFEs (EN 13757-3 6.4.1)
  | 'ERR_MBUS_APPLICATION'; // the slave answered with an application error (CI 70H)

export class MbusError extends Error {
  readonly code: MbusErrorCode;
  readonly failureClass: MbusFailureClass;
  constructor(code: MbusErrorCode, message: string, failureClass: MbusFailureClass = 'transient') {
    super(message);
    this.name = 'MbusError';
    this.code = code;
    this.failureClass = failureClass;
  }
}

/** No complete frame within the timeout: the slave is absent, off the bus, or at another address. */
export class MbusTimeoutError extends Error {
  readonly failureClass: MbusFailureClass = 'timeout';
  constructor(message: string) {
    super(message);
    this.name = 'MbusTimeoutError';
  }
}

// EN 13757-3:2013 Table 8 "Codes for application errors" (CI 70H, one status byte).
export const APPLICATION_ERRORS: Record<number, string> = {
  0x00: 'unspecified error',
  0x01: 'unimplemented CI field',
  0x02: 'buffer too long, truncated',
  0x03: 'too many records',
  0x04: 'premature end of record',
  0x05: 'more than 10 DIFEs',
  0x06: 'more than 10 VIFEs',
  0x07: 'reserved',
  0x08: 'application too busy for handling readout request',
  0x09: 'too many readouts',
};
