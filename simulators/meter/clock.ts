/**
 * Simulated time in ms since the epoch. It runs at `speed` × real time, can be frozen so that
 * registers and `get()` agree exactly, and can be advanced by tests.
 */
export class SimClock {
  private base: number;
  private realBase: number;
  private frozen: boolean;
  readonly speed: number;

  constructor(opts: { start?: number; speed?: number; frozen?: boolean } = {}, private readonly realNow: () => number = Date.now) {
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError(`clock speed must be > 0, got ${this.speed}`);
    this.realBase = realNow();
    this.base = opts.start ?? this.realBase;
    this.frozen = opts.frozen ?? false;
  }

  now(): number {
    return this.frozen ? this.base : this.base + (this.realNow() - this.realBase) * this.speed;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  freeze(): void {
    this.base = this.now();
    this.frozen = true;
  }

  resume(): void {
    this.realBase = this.realNow();
    this.frozen = false;
  }

  /** Moves simulated time forward; counters integrate over the skipped interval. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance needs a non-negative duration, got ${ms}`);
    this.base += ms;
  }
}
