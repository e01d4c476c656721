/**
 * Counts failed logins per key (source address, user name) in a sliding window and says when a
 * key has used its allowance, so an attacker's guesses stop costing scrypt CPU (tens of ms each)
 * before they cost the honest gateways their connects. The table is bounded: when full, the
 * oldest keys are forgotten first, which only ever forgives, never blocks, someone.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly max: number, private readonly windowMs: number, private readonly maxKeys = 10_000, private readonly now: () => number = Date.now) {}

  private recent(key: string): number[] {
    const list = this.failures.get(key);
    if (!list) return [];
    const since = this.now() - this.windowMs;
    while (list.length && list[0]! <= since) list.shift();
    if (!list.length) this.failures.delete(key);
    return list;
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  blockedFor(key: string): number {
    const list = this.recent(key);
    return list.length >= this.max ? list[0]! + this.windowMs - this.now() : 0;
  }

  fail(key: string): void {
    const list = this.recent(key);
    if (!list.length) {
      if (this.failures.size >= this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(key, list);
    }
    list.push(this.now());
    if (list.length > this.max) list.shift();
  }

  size(): number {
    return this.failures.size;
  }
}
