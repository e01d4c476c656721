import type { FailureClass } from './failures.ts';

export interface RetryPolicy {
  intervalMs: number;
  /** Extra attempts within one interval after a transient failure. */
  retries: number;
  /** First retry delay; doubles with each retry, never beyond half the interval. */
  retryBaseMs: number;
  /** Consecutive timeouts after which the device is presumed absent. */
  absentAfter: number;
  /** Longest pause between probes of a permanently failing meter. */
  backoffCapMs: number;
}

export const DEFAULT_RETRY_BASE_MS = 100;
export const DEFAULT_ABSENT_AFTER = 3;
export const DEFAULT_BACKOFF_CAP_MS = 5 * 60_000;

/** Where a meter stands between attempts. */
export interface FailureState {
  state: 'ok' | 'retrying' | 'backoff' | 'unknown';
  /** Failed attempts since the last good read. */
  consecutiveErrors: number;
  consecutiveTimeouts: number;
  /** Attempts made in the current interval (0 before the first). */
  attempt: number;
  /** How many backoff probes in a row have failed. */
  backoffLevel: number;
}

export const initialFailureState = (): FailureState => ({
  state: 'unknown', consecutiveErrors: 0, consecutiveTimeouts: 0, attempt: 0, backoffLevel: 0,
});

export interface Decision {
  next: FailureState;
  /** Milliseconds from now until the next attempt. */
  delayMs: number;
  /** True when this failure ends the current interval (no more retries in it). */
  cycleFailed: boolean;
}

/** Pause before the next probe of a meter in backoff: interval × 2^level, capped. */
export function backoffDelay(level: number, policy: Pick<RetryPolicy, 'intervalMs' | 'backoffCapMs'>): number {
  return Math.min(policy.backoffCapMs, policy.intervalMs * 2 ** Math.min(level, 30));
}

/**
 * The next step after a failed attempt. `untilNextSlot` is the time left until the meter's next
 * regular interval starts, where a failed interval resumes.
 */
export function afterFailure(s: FailureState, cls: FailureClass, policy: RetryPolicy, untilNextSlot: number): Decision {
  const consecutiveErrors = s.consecutiveErrors + 1;
  const consecutiveTimeouts = cls === 'timeout' ? s.consecutiveTimeouts + 1 : 0;
  // A probe of a backed-off meter that times out is more of the same; only an answer (even an
  // error answer such as busy) shows the device is back on the line.
  const permanent = cls === 'permanent' || consecutiveTimeouts >= policy.absentAfter || (s.state === 'backoff' && cls === 'timeout');
  if (permanent) {
    const backoffLevel = s.state === 'backoff' ? s.backoffLevel + 1 : 1;
    return {
      next: { state: 'backoff', consecutiveErrors, consecutiveTimeouts, attempt: 0, backoffLevel },
      delayMs: backoffDelay(backoffLevel, policy),
      cycleFailed: true,
    };
  }
  const attempt = s.attempt + 1;
  if (attempt <= policy.retries) {
    const delayMs = Math.min(policy.retryBaseMs * 2 ** (attempt - 1), Math.max(0, policy.intervalMs / 2));
    return { next: { state: 'retrying', consecutiveErrors, consecutiveTimeouts, attempt, backoffLevel: 0 }, delayMs, cycleFailed: false };
  }
  return {
    next: { state: 'retrying', consecutiveErrors, consecutiveTimeouts, attempt: 0, backoffLevel: 0 },
    delayMs: Math.max(0, untilNextSlot),
    cycleFailed: true,
  };
}

export function afterSuccess(): FailureState {
  return { state: 'ok', consecutiveErrors: 0, consecutiveTimeouts: 0, attempt: 0, backoffLevel: 0 };
}
