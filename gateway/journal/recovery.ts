import { closeSync, fstatSync, fsyncSync, openSync, readSync, readdirSync, unlinkSync } from 'node:fs';
import type { Logger } from 'pino';
import { HEADER_BYTES, checkFrame } from './frame.ts';
import { Segment, parseSegmentName } from './segment.ts';

const CHUNK = 1024 * 1024;

/** Sequential window over a file: one big read serves many frames. */
class Window {
  private buf = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private len = 0;
  constructor(private readonly fd: number, private readonly size: number) {}

  /** Bytes from file offset `off`: at least `need` of them unless the file ends first. */
  at(off: number, need: number): Buffer {
    if (off < this.start || off + need > this.start + this.len) {
      if (this.buf.length < need) this.buf = Buffer.allocUnsafe(need);
      this.len = readSync(this.fd, this.buf, 0, Math.min(this.buf.length, this.size - off), off);
      this.start = off;
    }
    return this.buf.subarray(off - this.start, this.len);
  }
}

type Probe = ReturnType<typeof checkFrame>;

function probe(win: Window, off: number): Probe {
  const head = win.at(off, HEADER_BYTES);
  const f = checkFrame(head, 0);
  if (f.kind !== 'short' || head.length < HEADER_BYTES) return f;
  return checkFrame(win.at(off, HEADER_BYTES + head.readUInt32LE(0)), 0);
}

/**
 * Rebuilds the in-memory index of one segment by checking every frame. A bad frame at the end is
 * a write torn by a power cut; a bad frame with a good one right after it is a damaged record in
 * the middle; anything else ends the readable part of the file. Each case is logged and counted.
 */
export function scanSegment(seg: Segment, log: Logger): number {
  const fd = openSync(seg.file, 'r');
  let torn = 0;
  try {
    // After a SIGKILL the tail may still sit only in the page cache: make what we found durable
    // before anything is sent from it.
    fsyncSync(fd);
    const size = fstatSync(fd).size;
    seg.size = size;
    const win = new Window(fd, size);
    let off = 0;
    while (off < size) {
      const f = probe(win, off);
      if (f.kind === 'ok' && f.seq > seg.lastSeq) {
        seg.add(f.seq, off);
        off += HEADER_BYTES + f.bodyLen;
        continue;
      }
      torn++;
      const where = { segment: seg.name, file: seg.file, offset: off, size };
      if (f.kind === 'bad' && f.bodyLen !== null) {
        const next = off + HEADER_BYTES + f.bodyLen;
        const after = next < size ? probe(win, next) : null;
        if (after?.kind === 'ok' && after.seq > seg.lastSeq) {
          log.warn({ ...where, reason: f.reason }, 'journal: corrupt record skipped');
          seg.skips.set(off, next);
          off = next;
          continue;
        }
      }
      const reason = f.kind === 'short' ? 'truncated record' : f.kind === 'bad' ? f.reason : `seq ${f.seq} out of order`;
      log.warn({ ...where, reason }, 'journal: torn record at end of segment skipped');
      break;
    }
    seg.end = off;
    return torn;
  } finally {
    closeSync(fd);
  }
}

export interface Recovered {
  segments: Segment[];
  torn: number;
  /** Highest seq any file proves was assigned. */
  highestSeq: number;
}

/** Scans every segment in `dir` in seq order; drops files with nothing readable or nothing unacked. */
export function recover(dir: string, ackedSeq: number, log: Logger): Recovered {
  const bases = readdirSync(dir).map(parseSegmentName).filter((s): s is number => s !== null).sort((a, b) => a - b);
  const segments: Segment[] = [];
  let torn = 0;
  let highestSeq = 0;
  for (const base of bases) {
    const seg = new Segment(dir, base);
    torn += scanSegment(seg, log);
    highestSeq = Math.max(highestSeq, seg.lastSeq, base - 1);
    if (seg.count === 0 || seg.lastSeq <= ackedSeq) {
      if (seg.count === 0 && seg.size > 0) log.warn({ segment: seg.name }, 'journal: segment without a readable record removed');
      unlinkSync(seg.file);
      continue;
    }
    segments.push(seg);
  }
  return { segments, torn, highestSeq };
}
