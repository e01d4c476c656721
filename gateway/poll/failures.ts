import { LinkDownError, ModbusExceptionError, ModbusFrameError, ModbusTimeoutError } from '../drivers/errors.ts';
import { declaredFailureClass } from '../protocols/errors.ts';

/**
 * - timeout: no answer; transient, but enough of them in a row mean the device is absent.
 * - transient: the device or line is there but could not serve this time; retry soon.
 * - permanent: retrying the same request cannot succeed; stop hammering the bus.
 */
export type FailureClass = 'timeout' | 'transient' | 'permanent';

export function classifyFailure(err: unknown): FailureClass {
  // Errors of the other serial protocols say their own class (protocols/errors.ts).
  const declared = declaredFailureClass(err);
  if (declared) return declared;
  if (err instanceof ModbusTimeoutError) return 'timeout';
  if (err instanceof ModbusExceptionError) {
    switch (err.exceptionCode) {
      // Modbus Application Protocol 1.1b3, clause 7: 01 illegal function, 02 illegal data address,
      // 03 illegal data value — the request itself is wrong for this device (wrong model or unit id).
      case 1: case 2: case 3: return 'permanent';
      // 0B "gateway target device failed to respond": a timeout seen through a TCP gateway.
      case 11: return 'timeout';
      // 04 device failure, 05 acknowledge, 06 server device busy, 0A gateway path unavailable.
      default: return 'transient';
    }
  }
  // A CRC or framing error means something answered: noise on the line, not an absent device.
  if (err instanceof ModbusFrameError) return 'transient';
  if (err instanceof LinkDownError) return 'transient';
  return 'transient';
}

/** A short code for logs and MeterState.lastError. */
export function describeFailure(err: unknown): string {
  if (err instanceof ModbusExceptionError) return `exception ${String(err.exceptionCode).padStart(2, '0')}: ${err.message.replace(/^Modbus exception \d+: /, '')}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
