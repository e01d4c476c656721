/** Period arithmetic on the site clock: a 60-minute period starts on a local full hour. */
export class Periods {
  readonly ms: number;
  private readonly offsetMs: number;

  constructor(periodMin: number, utcOffsetHours: number) {
    this.ms = periodMin * 60_000;
    this.offsetMs = Math.round(utcOffsetHours * 3_600_000);
  }

  /** Start of the period containing t. */
  floor(t: number): number {
    return t - ((((t + this.offsetMs) % this.ms) + this.ms) % this.ms);
  }

  /** Periods that have ended by `now`, counted from `nextStart`. */
  due(nextStart: number, now: number): number {
    return Math.max(0, Math.floor((this.floor(now) - nextStart) / this.ms));
  }
}
