import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Reading } from '../../core/index.ts';
import { HEADER_BYTES, checkFrame } from './frame.ts';
import type { Segment } from './segment.ts';
import type { JournalRecord } from './types.ts';

export interface ReadLimits {
  fromSeq: number;
  toSeq: number;
  maxRecords: number;
  maxBytes: number;
}

const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;

/**
 * Appends records of `seg` within `lim` to `out`, reading big chunks and parsing frames in the
 * buffer. `acc.bytes` carries the body bytes already taken across segments. Returns true when a
 * limit was reached (stop), false when the segment ran out (go on with the next one).
 */
export async function readSegment(seg: Segment, lim: ReadLimits, out: JournalRecord[], acc: { bytes: number }, log: Logger): Promise<boolean> {
  let fh;
  try {
    fh = await open(seg.file, 'r');
  } catch (err) {
    // Dropped by the size bound while we were on our way: its records are gone, not an error.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    const end = seg.end;
    let off = seg.offsetFor(lim.fromSeq);
    // Sized for the request, so a read of 500 records does not pull 4 MB off an SD card.
    let buf = Buffer.allocUnsafe(Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, lim.maxBytes + lim.maxRecords * (HEADER_BYTES + 64))));
    while (off < end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - off), off);
      if (bytesRead === 0) return false;
      const view = buf.subarray(0, bytesRead);
      let p = 0;
      while (p < view.length) {
        const skip = seg.skips.get(off + p);
        if (skip !== undefined) {
          p = skip - off;
          continue;
        }
        const f = checkFrame(view, p);
        if (f.kind === 'short') break;
        if (f.kind === 'bad') {
          // Damaged after it was checked at open (media fault): give up on the rest of this segment.
          log.error({ segment: seg.name, offset: off + p, reason: f.reason }, 'journal frame unreadable; skipping rest of segment');
          return false;
        }
        if (f.seq > lim.toSeq) return true;
        if (f.seq >= lim.fromSeq) {
          if (out.length > 0 && acc.bytes + f.bodyLen > lim.maxBytes) return true;
          const body = view.toString('utf8', p + HEADER_BYTES, p + HEADER_BYTES + f.bodyLen);
          out.push({ seq: f.seq, reading: JSON.parse(body) as Reading });
          acc.bytes += f.bodyLen;
          if (out.length >= lim.maxRecords || acc.bytes >= lim.maxBytes) return true;
        }
        p += HEADER_BYTES + f.bodyLen;
      }
      if (p === 0) {
        // A single frame larger than the buffer: grow to fit it and read again.
        if (view.length < HEADER_BYTES) return false;
        const need = HEADER_BYTES + view.readUInt32LE(0);
        if (need <= buf.length) return false;
        buf = Buffer.allocUnsafe(need);
        continue;
      }
      off += p;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/** The first record with seq >= `seq` in `seg`, read synchronously (for stats; touches a few KB). */
export function readRecordSync(seg: Segment, seq: number): JournalRecord | null {
  let fd: number;
  try {
    fd = openSync(seg.file, 'r');
  } catch {
    return null;
  }
  try {
    let off = seg.offsetFor(seq);
    let buf = Buffer.allocUnsafe(MIN_CHUNK);
    while (off < seg.end) {
      const view = buf.subarray(0, readSync(fd, buf, 0, Math.min(buf.length, seg.end - off), off));
      let p = 0;
      while (p < view.length) {
        const skip = seg.skips.get(off + p);
        if (skip !== undefined) {
          p = skip - off;
          continue;
        }
        const f = checkFrame(view, p);
        if (f.kind === 'short') break;
        if (f.kind === 'bad') return null;
        if (f.seq >= seq) {
          const body = view.toString('utf8', p + HEADER_BYTES, p + HEADER_BYTES + f.bodyLen);
          return { seq: f.seq, reading: JSON.parse(body) as Reading };
        }
        p += HEADER_BYTES + f.bodyLen;
      }
      if (p === 0) {
        if (view.length < HEADER_BYTES || HEADER_BYTES + view.readUInt32LE(0) <= buf.length) return null;
        buf = Buffer.allocUnsafe(HEADER_BYTES + view.readUInt32LE(0));
        continue;
      }
      off += p;
    }
    return null;
  } finally {
    closeSync(fd);
  }
}
