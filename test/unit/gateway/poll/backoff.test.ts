import { describe, expect, it } from 'vitest';
import { afterFailure, afterSuccess, backoffDelay, initialFailureState, type RetryPolicy } from '../../../../gateway/poll/backoff.ts';

const policy: RetryPolicy = { intervalMs: 1000, retries: 2, retryBaseMs: 100, absentAfter: 3, backoffCapMs: 300_000 };

describe('retry and backoff policy', () => {
  it('retries a transient failure with doubling delays, then waits for the next interval', () => {
    let s = initialFailureState();
    const d1 = afterFailure(s, 'transient', policy, 900);
    expect(d1).toMatchObject({ delayMs: 100, cycleFailed: false, next: { state: 'retrying', attempt: 1, consecutiveErrors: 1 } });
    s = d1.next;
    const d2 = afterFailure(s, 'transient', policy, 800);
    expect(d2).toMatchObject({ delayMs: 200, cycleFailed: false, next: { attempt: 2 } });
    const d3 = afterFailure(d2.next, 'transient', policy, 500);
    expect(d3).toMatchObject({ delayMs: 500, cycleFailed: true, next: { state: 'retrying', attempt: 0, consecutiveErrors: 3 } });
  });

  it('never lets a retry wait longer than half the interval', () => {
    const d = afterFailure({ ...initialFailureState(), attempt: 5 }, 'transient', { ...policy, retries: 10 }, 900);
    expect(d.delayMs).toBe(500);
  });

  it('backs off at once on an illegal-address exception', () => {
    const d = afterFailure(initialFailureState(), 'permanent', policy, 900);
    expect(d).toMatchObject({ cycleFailed: true, delayMs: 2000, next: { state: 'backoff', backoffLevel: 1 } });
  });

  it('presumes a device absent after N consecutive timeouts', () => {
    let s = initialFailureState();
    const states: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = afterFailure(s, 'timeout', policy, 900);
      s = d.next;
      states.push(s.state);
    }
    expect(states).toEqual(['retrying', 'retrying', 'backoff']);
  });

  it('a non-timeout error between timeouts resets the absence count', () => {
    let s = afterFailure(initialFailureState(), 'timeout', policy, 900).next;
    s = afterFailure(s, 'transient', policy, 900).next;
    expect(s.consecutiveTimeouts).toBe(0);
    expect(afterFailure(s, 'timeout', policy, 900).next.state).toBe('retrying');
  });

  it('doubles the backoff with each failed probe up to the cap', () => {
    let s = afterFailure(initialFailureState(), 'permanent', policy, 900).next;
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const d = afterFailure(s, 'timeout', policy, 900);
      delays.push(d.delayMs);
      s = d.next;
    }
    expect(delays).toEqual([4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000]);
    expect(backoffDelay(60, policy)).toBe(300_000);
  });

  it('success clears every counter', () => {
    expect(afterSuccess()).toEqual({ state: 'ok', consecutiveErrors: 0, consecutiveTimeouts: 0, attempt: 0, backoffLevel: 0 });
  });
});

describe('leaving backoff', () => {
  it('returns to retrying when a probe gets an answer such as busy', () => {
    const s = afterFailure(initialFailureState(), 'permanent', policy, 900).next;
    expect(afterFailure(s, 'transient', policy, 900).next).toMatchObject({ state: 'retrying', attempt: 1 });
  });
});
