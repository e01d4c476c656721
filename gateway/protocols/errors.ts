/**
 * Errors of the serial meter protocols that are not Modbus (DL/T 645-2007, CJ/T 188). Each one says
 * how the bus scheduler should treat it (`failureClass`), so poll/failures.ts needs no knowledge
 * of any one protocol: a third protocol only has to set the same property.
 */
export type ProtocolFailureClass = 'timeout' | 'transient' | 'permanent';

export type FrameErrorCode =
  | 'ERR_FRAME_INCOMPLETE' // fewer bytes than the frame says it has
  | 'ERR_FRAME_START' // no 68H where the standard puts one
  | 'ERR_FRAME_LENGTH' // the length byte disagrees with the bytes, or with the data the control code carries
  | 'ERR_FRAME_CHECKSUM' // CS is not the sum mod 256
  | 'ERR_FRAME_STOP' // the last byte is not 16H
  | 'ERR_FRAME_BCD' // a BCD digit above 9
  | 'ERR_FRAME_ADDRESS' // answered by another meter than the one asked
  | 'ERR_FRAME_CONTROL' // a control code that does not answer the request
  | 'ERR_FRAME_DATA'; // a data identifier or payload that does not fit the request

/** A frame that cannot be accepted. Something answered, so the line is alive: transient. */
export class FrameError extends Error {
  readonly code: FrameErrorCode;
  readonly failureClass: ProtocolFailureClass = 'transient';
  constructor(code: FrameErrorCode, message: string) {
    super(message);
    this.name = 'FrameError';
    this.code = code;
  }
}

/** No complete frame within the timeout. */
export class ProtocolTimeoutError extends Error {
  readonly failureClass: ProtocolFailureClass = 'timeout';
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolTimeoutError';
  }
}

/** The meter answered with an error reply (DL/T 645 D1H, CJ/T 188 C1H-class). */
export class MeterErrorReply extends Error {
  readonly failureClass: ProtocolFailureClass;
  /** The error word / status byte as sent (after removing the 33H offset where there is one). */
  readonly errorWord: number;
  constructor(message: string, errorWord: number, permanent: boolean) {
    super(message);
    this.name = 'MeterErrorReply';
    this.errorWord = errorWord;
    this.failureClass = permanent ? 'permanent' : 'transient';
  }
}

/** The failure class an error declares for itself, if it does. */
export function declaredFailureClass(err: unknown): ProtocolFailureClass | undefined {
  if (err && typeof err === 'object' && 'failureClass' in err) {
    const c = (err as { failureClass: unknown }).failureClass;
    if (c === 'timeout' || c === 'transient' || c === 'permanent') return c;
  }
  return undefined;
}
