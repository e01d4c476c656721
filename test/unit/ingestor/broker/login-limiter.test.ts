import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../../../ingestor/broker/login-limiter.ts';

describe('LoginLimiter', () => {
  it('blocks a key after max failures in the window, until the oldest failure leaves it', () => {
    let now = 0;
    const l = new LoginLimiter(3, 60_000, 100, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.blockedFor('10.0.0.1')).toBe(0);
      l.fail('10.0.0.1');
      now += 1000;
    }
    expect(l.blockedFor('10.0.0.1')).toBe(57_000);
    expect(l.blockedFor('10.0.0.2')).toBe(0);
    now = 60_001;
    expect(l.blockedFor('10.0.0.1')).toBe(0);
  });

  it('keeps at most maxKeys keys, forgetting the oldest first (which only ever forgives)', () => {
    const l = new LoginLimiter(1, 60_000, 10, () => 0);
    for (let i = 0; i < 1000; i++) l.fail(`k${i}`);
    expect(l.size()).toBe(10);
    expect(l.blockedFor('k999')).toBeGreaterThan(0);
    expect(l.blockedFor('k0')).toBe(0);
  });
});
