/** A batch handed to MQTT and not yet released: its seqs, when it left, its payload size. */
export interface InFlight {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly sentAt: number;
  readonly bytes: number;
  acked: boolean;
}

export interface Released {
  /** Everything up to this seq is delivered (null: an earlier batch is still unacked). */
  upTo: number | null;
  /** Readings in the batches released. */
  readings: number;
  /** The batch the ack was for. */
  batch: InFlight;
}

/**
 * Acknowledgement tracking for the uplink. A batch is a run of consecutive journal records and
 * its ack names its last seq. Batches are released only as a contiguous prefix, so an ack that
 * arrives out of order never lets unsent data go. On a reconnect or a timeout everything unacked
 * is sent again from the acked seq (go-back-N); the epoch tells a read begun before that restart.
 */
export class AckWindow {
  private readonly inflight: InFlight[] = [];
  /** Highest seq handed to MQTT since the last restart. */
  sentUpTo = 0;
  /** Bumped on every restart: a read begun before it must not be sent after it. */
  epoch = 0;

  get size(): number {
    return this.inflight.length;
  }

  get oldest(): InFlight | undefined {
    return this.inflight[0];
  }

  sent(firstSeq: number, lastSeq: number, bytes: number, at: number): void {
    this.inflight.push({ firstSeq, lastSeq, sentAt: at, bytes, acked: false });
    this.sentUpTo = lastSeq;
  }

  /** The ack for the batch ending at `seq`; null when no batch in flight ends there (an ack of an earlier connection). */
  ack(seq: number): Released | null {
    const batch = this.inflight.find((b) => b.lastSeq === seq);
    if (!batch) return null;
    batch.acked = true;
    let upTo: number | null = null;
    let readings = 0;
    while (this.inflight[0]?.acked) {
      const done = this.inflight.shift()!;
      readings += done.lastSeq - done.firstSeq + 1;
      upTo = done.lastSeq;
    }
    return { upTo, readings, batch };
  }

  /** The oldest batch when it has waited longer than `timeoutMs` for its ack. */
  timedOut(now: number, timeoutMs: number): InFlight | null {
    const oldest = this.inflight[0];
    return oldest && now - oldest.sentAt > timeoutMs ? oldest : null;
  }

  /** Largest unacked batch sent within `withinMs` before `now` (0 when none). */
  largestRecentUnacked(now: number, withinMs: number): number {
    return Math.max(0, ...this.inflight.filter((b) => !b.acked && now - b.sentAt < withinMs).map((b) => b.bytes));
  }

  /** Go back to `ackedSeq`: forget what is in flight; returns how many batches will be sent again. */
  restart(ackedSeq: number): number {
    const resent = this.inflight.length;
    this.inflight.length = 0;
    this.sentUpTo = ackedSeq;
    this.epoch++;
    return resent;
  }
}
