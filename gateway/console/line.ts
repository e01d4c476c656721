import type { ModbusLink } from '../drivers/link.ts';
import type { FrameLink } from '../drivers/frame-link.ts';

/**
 * Longest pause the console may cause in a line's schedule at a time. A meter polled every second
 * misses at most two polls; its counters carry the energy, so only gauge samples are skipped.
 */
export const LOAN_BUDGET_MS = 2000;

/** A transaction that could not end within the loan's budget was not started. */
export class LoanBudgetExceeded extends Error {
  readonly failureClass = 'transient';
}

/**
 * Wraps a lent link so that no transaction starts unless it can end, at its timeout, within the
 * budget: the pause the console causes is bounded by construction, not by hoping meters answer.
 */
export function budgetedModbus(link: ModbusLink, budgetMs: number, onRead?: (r: { fc: 3 | 4; address: number; count: number; data: string }) => void): ModbusLink {
  const end = performance.now() + budgetMs;
  return {
    async readRegisters(unitId, fc, address, count, timeoutMs) {
      if (performance.now() + timeoutMs > end) throw new LoanBudgetExceeded(`not asked: would pass the ${budgetMs} ms the line may pause`);
      const block = await link.readRegisters(unitId, fc, address, count, timeoutMs);
      onRead?.({ fc, address, count, data: block.toString('hex') });
      return block;
    },
    // The line belongs to the schedule: the console never closes it.
    close: async () => undefined,
  };
}

export function budgetedFrames(link: FrameLink, budgetMs: number): FrameLink {
  const end = performance.now() + budgetMs;
  return {
    transact(request, complete, timeoutMs) {
      if (performance.now() + timeoutMs > end) return Promise.reject(new LoanBudgetExceeded(`not asked: would pass the ${budgetMs} ms the line may pause`));
      return link.transact(request, complete, timeoutMs);
    },
    close: async () => undefined,
  };
}
