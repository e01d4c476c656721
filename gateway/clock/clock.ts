import type { Logger } from 'pino';
import type { NotBefore } from './build-time.ts';
import type { ClockSources } from './sources.ts';

/**
 * auto: trust NTP's word, or the ingestor's time; where the system cannot tell its NTP state at
 * all (no systemd: a container, another init), trust a plausible clock until something contradicts it.
 * verify: only NTP's word or the ingestor's time. system: a plausible system clock is enough (a box
 * with a real-time clock and its own time keeping).
 */
export type TrustPolicy = 'auto' | 'verify' | 'system';
export type ClockSource = 'ntp' | 'system' | 'ingestor';

export interface ClockOptions {
  policy: TrustPolicy;
  /** A wall-clock step larger than this against the monotonic clock ends trust. */
  maxJumpMs: number;
  /** The ingestor's time and ours agree when this close. */
  ingestorToleranceMs: number;
  /** How often the NTP state is asked while it matters. */
  ntpIntervalMs?: number;
  /** How often a time set from the ingestor is set again (a crystal drifts seconds a day). */
  ingestorResyncMs?: number;
  notBefore: NotBefore;
  /** The newest reading time on record from earlier runs (journal, saved state); null when none. */
  newestRecordTs: number | null;
  log: Logger;
}

export interface ClockStatus {
  now: number;
  trusted: boolean;
  source: ClockSource | null;
  reason: string;
  /** The gateway's time minus the system clock's: non-zero once set from the ingestor. */
  offset_ms: number;
}

const iso = (t: number) => (Number.isFinite(t) && Math.abs(t) < 8.64e15 ? new Date(t).toISOString() : String(t));
/** A duration for people: seconds up to a day, days beyond. */
const span = (ms: number) => {
  const a = Math.abs(ms);
  return a < 86_400_000 ? `${(a / 1000).toFixed(1)} s` : `${(a / 86_400_000).toFixed(1)} days`;
};

/**
 * The gateway's idea of the time, and whether it can be believed. The gateway's time at monotonic
 * instant m is `base + m`; while the clock is trusted through NTP or a plausible system clock, base
 * follows the wall clock, and a wall-clock step larger than maxJumpMs against the monotonic clock
 * ends the trust (base then keeps its last value, so time goes on by the monotonic clock). Trust
 * comes back from NTP or from the ingestor's time, and the readings held meanwhile are re-stamped
 * from the new base: wall = trusted_wall_at_sync − (mono_at_sync − mono_at_reading).
 */
export class GatewayClock {
  /** Readings are stamped `readBase + mono` by the poller, so a stamp always converts back to its monotonic instant. */
  readonly readBase: number;
  private base: number;
  private trusted = false;
  private source: ClockSource | null = null;
  /** The gateway's time is the system clock (base follows it); false once set from the ingestor. */
  private follow = true;
  private reason: string;
  private lastWall: number;
  private lastMono: number;
  private readonly startMono: number;
  private newest: number | null;
  /** A step was seen while NTP did not vouch for the clock: plausibility alone no longer does. */
  private jumped = false;
  private lastIngestorAt: number | null = null;
  private lastNtpAt = -Infinity;
  private evaluating: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly onTrust: (() => void)[] = [];
  private readonly opts: Required<Omit<ClockOptions, 'newestRecordTs'>>;

  constructor(private readonly src: ClockSources, opts: ClockOptions) {
    this.opts = { ntpIntervalMs: 5000, ingestorResyncMs: 15 * 60_000, ...opts };
    const w = src.wall();
    const m = src.mono();
    this.readBase = w - m;
    this.base = this.readBase;
    this.lastWall = w;
    this.lastMono = m;
    this.startMono = m;
    this.newest = opts.newestRecordTs;
    this.reason = this.implausible(w) ?? 'not checked yet';
  }

  /** Called each time the clock becomes trusted (held readings can be re-stamped then). */
  onTrusted(fn: () => void): void {
    this.onTrust.push(fn);
  }

  get isTrusted(): boolean {
    return this.trusted;
  }

  /** What the poller stamps readings with: `readBase + mono`, whatever the trust. */
  readTime(): number {
    return this.readBase + this.src.mono();
  }

  /** The monotonic instant a poller stamp stands for. */
  monoOf(readTs: number): number {
    return readTs - this.readBase;
  }

  /** The trusted time of a monotonic instant of this boot; meaningful only while trusted. */
  timeAt(mono: number): number {
    return this.base + mono;
  }

  /** The best idea of the time now: the trusted time, or the unverified wall clock. */
  now(): number {
    return this.trusted && !this.follow ? this.base + this.src.mono() : this.src.wall();
  }

  mono(): number {
    return this.src.mono();
  }

  uptimeMs(): number {
    return this.src.mono() - this.startMono;
  }

  /** A reading was sent with this trusted time: a clock earlier than it later cannot be right. */
  noteEmitted(ts: number): void {
    if (this.newest === null || ts > this.newest) this.newest = ts;
  }

  newestEmitted(): number | null {
    return this.newest;
  }

  status(): ClockStatus {
    const m = this.src.mono();
    const w = this.src.wall();
    const now = this.trusted && !this.follow ? this.base + m : w;
    return { now, trusted: this.trusted, source: this.source, reason: this.reason, offset_ms: Math.round(now - w) };
  }

  /**
   * Samples wall and monotonic clocks: a step between two samples larger than maxJumpMs is a
   * jump. Cheap (two clock reads); run before every reading is stamped and once a second.
   */
  check(): void {
    const w = this.src.wall();
    const m = this.src.mono();
    const drift = (w - this.lastWall) - (m - this.lastMono);
    this.lastWall = w;
    this.lastMono = m;
    if (Math.abs(drift) > this.opts.maxJumpMs) {
      const what = `the wall clock jumped ${drift > 0 ? 'forward' : 'back'} ${span(drift)} against the monotonic clock`;
      if (this.trusted && this.follow) {
        this.jumped = true;
        this.untrust(what);
      } else if (!this.trusted) {
        this.jumped = true;
        this.reason = what;
        this.opts.log.warn({ driftMs: Math.round(drift), wall: iso(w) }, 'clock jumped while not trusted');
      } else {
        // Set from the ingestor, the gateway's time runs on the monotonic clock: a system clock
        // that moves (NTP stepping it at last) changes nothing here.
        this.opts.log.info({ driftMs: Math.round(drift) }, 'system clock stepped; the gateway keeps the ingestor\'s time');
      }
      this.lastNtpAt = -Infinity;
    }
    if (this.trusted && this.follow) this.base = w - m;
  }

  /** Asks the system about NTP and decides on trust. Runs at start and then while it matters. */
  evaluate(): Promise<void> {
    this.evaluating ??= this.doEvaluate().finally(() => {
      this.evaluating = null;
    });
    return this.evaluating;
  }

  private async doEvaluate(): Promise<void> {
    const anchored = this.trusted && !this.follow;
    if (this.trusted && !anchored) return;
    this.lastNtpAt = this.src.mono();
    const ntp = await this.src.ntp();
    this.check();
    if (this.trusted && this.follow) return;
    const w = this.src.wall();
    const m = this.src.mono();
    const implausible = this.implausible(w, ntp === 'synced');
    if (anchored) {
      if (ntp === 'synced' && !implausible) {
        const diff = (w - m) - this.base;
        if (Math.abs(diff) > this.opts.ingestorToleranceMs) this.opts.log.warn({ diffMs: Math.round(diff) }, 'NTP and the ingestor disagree; taking NTP\'s time');
        this.source = 'ntp';
        this.follow = true;
        this.base = w - m;
        this.reason = 'NTP synchronised';
        this.opts.log.info('clock: NTP synchronised; following the system clock again');
      }
      return;
    }
    if (ntp === 'synced') {
      if (implausible) {
        this.reason = `NTP reports synchronised, but ${implausible}`;
        return;
      }
      return this.trust('ntp', w - m, true, 'NTP synchronised');
    }
    if (!implausible && this.opts.policy === 'system') return this.trust('system', w - m, true, 'clock.trust is system and the clock is plausible');
    if (!implausible && this.opts.policy === 'auto' && ntp === 'unknown' && !this.jumped) {
      return this.trust('system', w - m, true, 'this system reports no NTP state; the clock is plausible');
    }
    if (implausible) this.reason = implausible;
    else if (!this.jumped) this.reason = ntp === 'unsynced' ? 'waiting for NTP synchronisation' : 'waiting for NTP or the ingestor\'s time';
  }

  /** Whether the uplink should ask the ingestor for its time now. */
  wantsIngestorTime(): boolean {
    if (!this.trusted) return true;
    // A plausible clock nobody vouched for is checked once against the ingestor.
    if (this.source === 'system') return this.lastIngestorAt === null;
    if (!this.follow) return this.lastIngestorAt === null || this.src.mono() - this.lastIngestorAt > this.opts.ingestorResyncMs;
    return false;
  }

  /**
   * The ingestor's time `time`, from an ack to a request sent at monotonic `sentMono` and received
   * at `recvMono`: the ingestor stamped it in between, so now it is time + half the round trip, give
   * or take that half. A round trip too long to tell within the tolerance is not used.
   */
  ingestorTime(time: number, sentMono: number, recvMono: number): boolean {
    const rtt = recvMono - sentMono;
    const log = this.opts.log;
    if (rtt < 0 || rtt > 2 * this.opts.ingestorToleranceMs) {
      log.debug({ rttMs: rtt }, 'ingestor time: round trip too long to use');
      return false;
    }
    if (time < this.opts.notBefore.ts) {
      log.warn({ time: iso(time) }, `ingestor time is before ${this.opts.notBefore.what}; not used`);
      return false;
    }
    this.check();
    this.lastIngestorAt = recvMono;
    const theirs = time + rtt / 2 - recvMono;
    const ours = this.trusted && !this.follow ? this.base : this.src.wall() - this.src.mono();
    const diff = theirs - ours;
    const agree = Math.abs(diff) <= this.opts.ingestorToleranceMs;
    if (this.trusted && this.source === 'ntp') {
      if (!agree) log.warn({ diffMs: Math.round(diff) }, 'the ingestor\'s clock disagrees with NTP\'s; keeping NTP\'s');
      return true;
    }
    if (agree) {
      if (!this.trusted) return (this.trust('ingestor', ours, true, `the system clock agrees with the ingestor's within ${this.opts.ingestorToleranceMs} ms`), true);
      if (this.follow) {
        this.source = 'ingestor';
        this.reason = `the system clock agrees with the ingestor's within ${this.opts.ingestorToleranceMs} ms`;
      } else this.base = theirs;
      return true;
    }
    const why = `set from the ingestor's time; the system clock is ${span(diff)} ${diff > 0 ? 'behind' : 'ahead'}`;
    if (!this.trusted) return (this.trust('ingestor', theirs, false, why), true);
    if (this.follow) {
      // Trusted on plausibility alone and wrong: what was stamped since cannot be taken back.
      log.error({ diffMs: Math.round(diff), source: this.source }, 'the system clock disagrees with the ingestor\'s; taking the ingestor\'s time from now on');
      this.follow = false;
      this.source = 'ingestor';
      this.reason = why;
    }
    this.base = theirs;
    return true;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.check();
      const due = !this.trusted || (this.source === 'ingestor' && !this.follow);
      if (due && this.src.mono() - this.lastNtpAt >= this.opts.ntpIntervalMs) void this.evaluate();
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Why a wall-clock value cannot be right, or null. Before the build is impossible whoever says
   * otherwise; before the newest reading on record is impossible unless that reading was itself
   * stamped wrong, so NTP's word overrides only the latter.
   */
  private implausible(w: number, ntpSynced = false): string | null {
    const nb = this.opts.notBefore;
    if (w < nb.ts) return `the clock (${iso(w)}) is before ${nb.what} (${iso(nb.ts)})`;
    // A second of slack: a stamp is rounded, and a reading may be stamped as its read completes.
    if (this.newest !== null && w < this.newest - 1000) {
      const why = `the clock (${iso(w)}) is before the newest reading on record (${iso(this.newest)})`;
      if (!ntpSynced) return why;
      this.opts.log.warn(`NTP is synchronised although ${why}; taking NTP's word`);
    }
    return null;
  }

  private trust(source: ClockSource, base: number, follow: boolean, reason: string): void {
    this.trusted = true;
    this.source = source;
    this.base = base;
    this.follow = follow;
    this.reason = reason;
    this.opts.log.info({ source, reason, now: iso(this.now()) }, 'clock trusted');
    for (const fn of this.onTrust) fn();
  }

  private untrust(reason: string): void {
    this.trusted = false;
    this.source = null;
    this.follow = true;
    this.reason = reason;
    this.opts.log.warn({ reason }, 'clock no longer trusted; readings are held until it is');
  }
}
