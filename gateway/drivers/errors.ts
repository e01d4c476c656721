/**
 * Errors a Modbus link reports, typed so the scheduler can tell a busy device from an absent one
 * without parsing message text.
 */

/** The device answered with an exception response (Modbus Application Protocol 1.1b3, clause 7). */
export class ModbusExceptionError extends Error {
  readonly exceptionCode: number;
  constructor(exceptionCode: number, message?: string) {
    super(message ?? `Modbus exception ${exceptionCode}: ${EXCEPTION_NAMES[exceptionCode] ?? 'unknown exception'}`);
    this.name = 'ModbusExceptionError';
    this.exceptionCode = exceptionCode;
  }
}

/** No (complete) answer within the timeout. */
export class ModbusTimeoutError extends Error {
  constructor(message = 'no response within the timeout') {
    super(message);
    this.name = 'ModbusTimeoutError';
  }
}

/** A frame arrived but is damaged: bad CRC, wrong length, wrong unit or function code. */
export class ModbusFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModbusFrameError';
  }
}

/** The link itself is down: refused, closed, serial device missing. */
export class LinkDownError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LinkDownError';
  }
}

// Modbus Application Protocol 1.1b3, clause 7 "MODBUS Exception Responses".
export const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};
