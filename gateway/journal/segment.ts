import path from 'node:path';

// A sparse seq → offset entry every INDEX_EVERY records lets read() seek close to any seq while
// costing about 16 bytes of memory per 64 records, however long the backlog is.
export const INDEX_EVERY = 64;
const NAME = /^seg-(\d{16})\.log$/;

export function segmentName(firstSeq: number): string {
  return `seg-${String(firstSeq).padStart(16, '0')}.log`;
}

/** The seq a segment file was created for, or null when the name is not a segment's. */
export function parseSegmentName(name: string): number | null {
  const m = NAME.exec(name);
  return m ? Number(m[1]) : null;
}

/** What the journal keeps in memory about one segment file: never its records. */
export class Segment {
  readonly file: string;
  /** Named after the first seq it was opened for, so even an empty file pins the seq counter. */
  readonly baseSeq: number;
  firstSeq = 0;
  lastSeq = 0;
  count = 0;
  /** End of the readable frames; anything after it is garbage left by a crash. */
  end = 0;
  /** File size as on disk, garbage included. */
  size = 0;
  /** Offsets of frames found corrupt at open → offset of the frame after them. */
  readonly skips = new Map<number, number>();
  /** Write descriptor while this is the active segment. */
  fd: number | null = null;
  /** In-flight fdatasync of `fd`; closing waits for it so a descriptor is never reused under it. */
  syncing: Promise<void> | null = null;
  private readonly idxSeq: number[] = [];
  private readonly idxOff: number[] = [];

  constructor(dir: string, baseSeq: number) {
    this.baseSeq = baseSeq;
    this.file = path.join(dir, segmentName(baseSeq));
  }

  get name(): string {
    return path.basename(this.file);
  }

  /** Registers a frame holding `seq` at `offset` (frames arrive in file order). */
  add(seq: number, offset: number): void {
    if (this.count % INDEX_EVERY === 0) {
      this.idxSeq.push(seq);
      this.idxOff.push(offset);
    }
    if (this.count === 0) this.firstSeq = seq;
    this.lastSeq = seq;
    this.count++;
  }

  /** Offset of a frame at or before the one holding `seq`, to start scanning from. */
  offsetFor(seq: number): number {
    let lo = 0;
    let hi = this.idxSeq.length - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.idxSeq[mid]! <= seq) {
        best = this.idxOff[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /**
   * Records with seq > ackedSeq. Seqs are consecutive inside a segment except where a corrupt
   * frame was skipped at open, so this can overcount by the few records lost to corruption.
   */
  unacked(ackedSeq: number): number {
    if (this.count === 0 || this.lastSeq <= ackedSeq) return 0;
    if (this.firstSeq > ackedSeq) return this.count;
    return Math.min(this.count, this.lastSeq - ackedSeq);
  }
}
