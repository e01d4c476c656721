import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Logger } from 'pino';
import { decodeReading, jsonBytes } from './codec.ts';
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

/** Called for each sound frame; returns true to stop the scan. */
type Visit = (seq: number, view: Buffer, at: number, bodyLen: number) => boolean;

type ChunkEnd =
  | { kind: 'stopped' }
  | { kind: 'bad'; offset: number; reason: string }
  // `consumed` bytes of the chunk were whole frames (or skipped ranges); read on from there.
  | { kind: 'more'; consumed: number };

/**
 * Walks the frames of one chunk of `seg` read from file offset `off`, honouring the ranges that
 * recovery marked to skip. Both the async read path and the sync stats path use it, so a torn
 * or skipped range is treated the same way wherever records are read.
 */
function scanChunk(seg: Segment, view: Buffer, off: number, visit: Visit): ChunkEnd {
  let p = 0;
  while (p < view.length) {
    const skip = seg.skips.get(off + p);
    if (skip !== undefined) {
      p = skip - off;
      continue;
    }
    const f = checkFrame(view, p);
    if (f.kind === 'short') break;
    if (f.kind === 'bad') return { kind: 'bad', offset: off + p, reason: f.reason };
    if (visit(f.seq, view, p, f.bodyLen)) return { kind: 'stopped' };
    p += HEADER_BYTES + f.bodyLen;
  }
  return { kind: 'more', consumed: p };
}

/**
 * When a chunk held not even one whole frame, the frame at its start is larger than the buffer:
 * a buffer that fits it, or null when there is nothing more to read (a torn tail).
 */
function grownFor(view: Buffer, buf: Buffer): Buffer<ArrayBuffer> | null {
  if (view.length < HEADER_BYTES) return null;
  const need = HEADER_BYTES + view.readUInt32LE(0);
  return need > buf.length ? Buffer.allocUnsafe(need) : null;
}

function recordAt(seq: number, view: Buffer, at: number, bodyLen: number): JournalRecord {
  return { seq, reading: decodeReading(view, at + HEADER_BYTES, at + HEADER_BYTES + bodyLen) };
}

/**
 * Appends records of `seg` within `lim` to `out`, reading big chunks and parsing frames in the
 * buffer. `acc.bytes` carries the JSON bytes of the records already taken across segments. Returns true when a
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
  let limitReached = false;
  const visit: Visit = (seq, view, at, bodyLen) => {
    if (seq > lim.toSeq) return (limitReached = true);
    if (seq < lim.fromSeq) return false;
    const rec = recordAt(seq, view, at, bodyLen);
    // Counted as the JSON the uplink will send, not as the compact body on disk.
    const bytes = jsonBytes(rec.reading);
    if (out.length > 0 && acc.bytes + bytes > lim.maxBytes) return (limitReached = true);
    out.push(rec);
    acc.bytes += bytes;
    return (limitReached = out.length >= lim.maxRecords || acc.bytes >= lim.maxBytes);
  };
  try {
    const end = seg.end;
    let off = seg.offsetFor(lim.fromSeq);
    // Sized for the request, so a read of 500 records does not pull 4 MB off an SD card.
    let buf = Buffer.allocUnsafe(Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, lim.maxBytes + lim.maxRecords * (HEADER_BYTES + 64))));
    while (off < end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - off), off);
      if (bytesRead === 0) return false;
      const view = buf.subarray(0, bytesRead);
      const r = scanChunk(seg, view, off, visit);
      if (r.kind === 'stopped') return limitReached;
      if (r.kind === 'bad') {
        // Damaged after it was checked at open (media fault): give up on the rest of this segment.
        log.error({ segment: seg.name, offset: r.offset, reason: r.reason }, 'journal frame unreadable; skipping rest of segment');
        return false;
      }
      if (r.consumed === 0) {
        const bigger = grownFor(view, buf);
        if (!bigger) return false;
        buf = bigger;
        continue;
      }
      off += r.consumed;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/**
 * The reading side of the journal: records with seq in [fromSeq, toSeq] across `segments`, oldest
 * first, within maxRecords and maxBytes (at least one record when any is there). Takes a copy of
 * the list, so segments rolled or dropped while it reads do not disturb it.
 */
export async function readRecords(segments: readonly Segment[], lim: ReadLimits, log: Logger): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  if (lim.maxRecords <= 0 || lim.fromSeq > lim.toSeq) return out;
  const acc = { bytes: 0 };
  for (const seg of [...segments]) {
    if (seg.count === 0 || seg.lastSeq < lim.fromSeq) continue;
    if (seg.firstSeq > lim.toSeq || (await readSegment(seg, lim, out, acc, log))) break;
  }
  return out;
}

/** The first record with seq >= `seq` in `seg`, read synchronously (for stats; touches a few KB). */
export function readRecordSync(seg: Segment, seq: number): JournalRecord | null {
  let fd: number;
  try {
    fd = openSync(seg.file, 'r');
  } catch {
    return null;
  }
  let found: JournalRecord | null = null;
  const visit: Visit = (s, view, at, bodyLen) => {
    if (s < seq) return false;
    found = recordAt(s, view, at, bodyLen);
    return true;
  };
  try {
    let off = seg.offsetFor(seq);
    let buf = Buffer.allocUnsafe(MIN_CHUNK);
    while (off < seg.end) {
      const view = buf.subarray(0, readSync(fd, buf, 0, Math.min(buf.length, seg.end - off), off));
      const r = scanChunk(seg, view, off, visit);
      if (r.kind === 'stopped') return found;
      if (r.kind === 'bad') return null;
      if (r.consumed === 0) {
        const bigger = grownFor(view, buf);
        if (!bigger) return null;
        buf = bigger;
        continue;
      }
      off += r.consumed;
    }
    return null;
  } finally {
    closeSync(fd);
  }
}
