import type { ModbusLink } from '../drivers/link.ts';
import type { FrameLink } from '../drivers/frame-link.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Keeps a silence of `delayMs` between the end of one transaction and the next request on a line.
 * Modbus over serial line V1.02, 2.5.1.1 asks for at least 3.5 character times between frames;
 * slow meters and some RS-485 converters need more, so the gap is configurable per bus.
 */
export function gateLink(link: ModbusLink, delayMs: number): ModbusLink {
  let lastEnd = 0;
  return {
    async readRegisters(unitId, fc, address, count, timeoutMs) {
      const wait = lastEnd + delayMs - performance.now();
      if (delayMs > 0 && wait > 0) await sleep(wait);
      try {
        return await link.readRegisters(unitId, fc, address, count, timeoutMs);
      } finally {
        lastEnd = performance.now();
      }
    },
    close: () => link.close(),
  };
}

/** gateLink for the byte link of a DL/T 645 / CJ/T 188 line. */
export function gateFrameLink(link: FrameLink, delayMs: number): FrameLink {
  let lastEnd = 0;
  return {
    async transact(request, complete, timeoutMs) {
      const wait = lastEnd + delayMs - performance.now();
      if (delayMs > 0 && wait > 0) await sleep(wait);
      try {
        return await link.transact(request, complete, timeoutMs);
      } finally {
        lastEnd = performance.now();
      }
    },
    close: () => link.close(),
  };
}
