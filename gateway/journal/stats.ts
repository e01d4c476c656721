import { readRecordSync } from './reader.ts';
import type { Segment } from './segment.ts';

export interface Backlog {
  records: number;
  bytes: number;
  firstSeq: number | null;
  oldestUnackedTs: number | null;
}

/**
 * Counts the unacked backlog from the segment index alone, reading only the oldest unacked
 * record (for its ts) — and that only when the oldest unacked seq moved since the last call.
 */
export class BacklogCounter {
  private cache: { from: number; seq: number; ts: number } | null = null;

  invalidate(): void {
    this.cache = null;
  }

  count(segments: readonly Segment[], ackedSeq: number): Backlog {
    let records = 0;
    let bytes = 0;
    let oldest: Segment | null = null;
    for (const seg of segments) {
      bytes += seg.size;
      const n = seg.unacked(ackedSeq);
      records += n;
      if (n > 0 && !oldest) oldest = seg;
    }
    if (!oldest) return { records, bytes, firstSeq: null, oldestUnackedTs: null };
    const from = Math.max(oldest.firstSeq, ackedSeq + 1);
    if (this.cache?.from !== from) {
      const rec = readRecordSync(oldest, from);
      this.cache = rec ? { from, seq: rec.seq, ts: rec.reading.ts } : null;
    }
    return { records, bytes, firstSeq: this.cache?.seq ?? from, oldestUnackedTs: this.cache?.ts ?? null };
  }
}
