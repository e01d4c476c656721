import { describe, expect, it } from 'vitest';
import { LinkDownError, ModbusExceptionError, ModbusFrameError, ModbusTimeoutError } from '../../../../gateway/drivers/errors.ts';
import { classifyFailure, describeFailure } from '../../../../gateway/poll/failures.ts';

describe('classifyFailure', () => {
  it('treats illegal function, address and value exceptions as permanent', () => {
    for (const code of [1, 2, 3]) expect(classifyFailure(new ModbusExceptionError(code))).toBe('permanent');
  });
  it('treats busy, acknowledge, device failure and path unavailable as transient', () => {
    for (const code of [4, 5, 6, 10]) expect(classifyFailure(new ModbusExceptionError(code))).toBe('transient');
  });
  it('treats a gateway target that failed to respond like a timeout', () => {
    expect(classifyFailure(new ModbusExceptionError(11))).toBe('timeout');
  });
  it('treats timeouts as timeouts and CRC/framing or link errors as transient', () => {
    expect(classifyFailure(new ModbusTimeoutError())).toBe('timeout');
    expect(classifyFailure(new ModbusFrameError('CRC error'))).toBe('transient');
    expect(classifyFailure(new LinkDownError('ECONNREFUSED'))).toBe('transient');
  });
  it('names the exception code in the description', () => {
    expect(describeFailure(new ModbusExceptionError(2))).toBe('exception 02: illegal data address');
    expect(describeFailure(new ModbusExceptionError(6))).toBe('exception 06: server device busy');
  });
});
