import type { Logger } from 'pino';
import type { Ack, TimeProbe as TimeProbePayload } from '../../core/index.ts';
import { WIRE_VERSION } from '../../core/wire.ts';

// Probe seqs sit far above any journal seq (and above a backfill's Date.now() × 1000), so an
// ack for one can never release a journal record; each probe has its own, so a late answer to
// one given up on is not taken for the answer to the next.
const PROBE_SEQ_BASE = Number.MAX_SAFE_INTEGER - 1_000_000;

export function isProbeSeq(seq: number): boolean {
  return seq > PROBE_SEQ_BASE;
}

/** What the probe needs of the gateway's clock. */
export interface ProbeClock {
  wantsIngestorTime(): boolean;
  ingestorTime(time: number, sentMono: number, recvMono: number): boolean;
  mono(): number;
  now(): number;
}

/**
 * Asks the ingestor for its time while the clock wants it: an empty batch, acked at once with
 * the ingestor's time. One at a time, at most every `intervalMs`; an ingestor whose ack carries no
 * time (an older one) is not asked again on this connection.
 */
export class TimeProbe {
  private outstanding: { seq: number; sentMono: number } | null = null;
  private lastAt = -Infinity;
  private unsupported = false;
  private n = 0;

  constructor(private readonly clock: ProbeClock, private readonly opts: { intervalMs: number; timeoutMs: number; log: Logger }) {}

  /** A new connection: the ingestor behind it may be another one. */
  reset(): void {
    this.unsupported = false;
    this.outstanding = null;
    this.lastAt = -Infinity;
  }

  /** The probe to publish now, or null. */
  due(site: string, gateway: string): string | null {
    if (this.unsupported || !this.clock.wantsIngestorTime()) return null;
    const m = this.clock.mono();
    if (this.outstanding && m - this.outstanding.sentMono < this.opts.timeoutMs) return null;
    if (m - this.lastAt < this.opts.intervalMs) return null;
    const seq = PROBE_SEQ_BASE + 1 + (this.n++ % 1_000_000);
    this.outstanding = { seq, sentMono: m };
    this.lastAt = m;
    const probe: TimeProbePayload = { v: WIRE_VERSION, site, gateway, seq, sent: Math.max(0, Math.round(this.clock.now())), readings: [] };
    return JSON.stringify(probe);
  }

  onAck(ack: Ack): void {
    const o = this.outstanding;
    if (!o || o.seq !== ack.seq) return;
    this.outstanding = null;
    if (ack.time === undefined) {
      this.unsupported = true;
      this.opts.log.info({ status: ack.status, reason: ack.reason }, 'the ingestor sends no time in its acks (an older version); the clock waits for NTP');
      return;
    }
    this.clock.ingestorTime(ack.time, o.sentMono, this.clock.mono());
  }
}
