import { closeSync, fdatasyncSync, fstatSync, openSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Reading } from '../../core/index.ts';
import { encodeReading } from './codec.ts';
import { encodeFrames } from './frame.ts';
import { closeAsync, errCode, fdatasyncAsync, fsyncDir, fsyncDirSync, unlinkQuiet, writeAll } from './fsutil.ts';
import { Segment } from './segment.ts';

export const ALARM_DISK_FULL = 'journal_disk_full';

export interface AppenderOptions {
  dir: string;
  /** Bound on all segments together. */
  maxBytes: number;
  /** Size a segment is rolled at (already fitted to the bound and the volume). */
  segmentBytes: number;
  /** fdatasync inside every append (fsyncIntervalMs 0) instead of in the batched flush. */
  syncEach: boolean;
}

export interface AppenderHooks {
  /** Which seqs are acked, so a dropped segment's loss can be counted. */
  ackedSeq(): number;
  /** A segment with `lost` unacked records was deleted to keep the bound or free the disk. */
  dropped(seg: Segment, lost: number, why: string): void;
  /** Readings that could not be written at all (disk full, no segment left to free). */
  unwritten(count: number, err: unknown): void;
}

/**
 * The write side of the journal: frames readings into the active segment, rolls to a new segment
 * when it is full, drops the oldest segment to hold the size bound or free a full disk, and seals
 * (fsync + close) segments it leaves. It owns the segment list the reading side walks.
 */
export class Appender {
  /** Oldest first; the last one is the active one while `active` is set. */
  readonly segments: Segment[];
  private active: Segment | null = null;
  private last: number;
  private full = false;
  /** Appended since the last fdatasync of the active segment. */
  private dataDirty = false;
  /** A segment file was created since the last fsync of the folder. */
  private dirDirty = false;
  private readonly seals = new Set<Promise<void>>();

  constructor(private readonly opts: AppenderOptions, private readonly hooks: AppenderHooks, private readonly log: Logger,
    segments: Segment[], lastSeq: number) {
    this.segments = segments;
    this.last = lastSeq;
  }

  /** Highest seq assigned. */
  get lastSeq(): number {
    return this.last;
  }

  /** The last write failed for lack of space. */
  get diskFull(): boolean {
    return this.full;
  }

  /**
   * Appends readings with consecutive seqs; returns the last seq. With syncEach the data is on
   * stable storage when it returns (`durable` true); otherwise the next sync() makes it so.
   */
  append(readings: readonly Reading[]): { lastSeq: number; durable: boolean } {
    if (readings.length === 0) return { lastSeq: this.last, durable: false };
    const first = this.last + 1;
    const { buf, ends } = encodeFrames(first, readings.map(encodeReading));
    const segBytes = this.opts.segmentBytes;
    let i = 0;
    while (i < ends.length) {
      const start = i === 0 ? 0 : ends[i - 1]!;
      let j = i + 1;
      let seg: Segment | null = this.active;
      try {
        if (!seg || (seg.size > 0 && ends[i]! - start > segBytes - seg.size)) seg = this.roll(first + i);
        // As many frames as fit in the segment, and at least one: a single write per segment touched.
        while (j < ends.length && ends[j]! - start <= segBytes - seg.size) j++;
        writeAll(seg.fd!, buf, start, ends[j - 1]!);
      } catch (err) {
        if (!this.onWriteFailure(err, this.active, ends.length - i)) break;
        continue;
      }
      for (let k = i; k < j; k++) seg.add(first + k, seg.size + (k === i ? 0 : ends[k - 1]! - start));
      seg.size += ends[j - 1]! - start;
      seg.end = seg.size;
      this.last = first + j - 1;
      this.full = false;
      i = j;
    }
    if (this.opts.syncEach && this.active?.fd != null) {
      fdatasyncSync(this.active.fd);
      if (this.dirDirty) fsyncDirSync(this.opts.dir);
      this.dirDirty = false;
      return { lastSeq: this.last, durable: true };
    }
    this.dataDirty = true;
    return { lastSeq: this.last, durable: false };
  }

  /** A full disk must not stop the gateway: free the oldest segment and retry, else drop the rest. */
  private onWriteFailure(err: unknown, seg: Segment | null, remaining: number): boolean {
    if (errCode(err) !== 'ENOSPC' && errCode(err) !== 'EDQUOT') throw err;
    this.full = true;
    if (seg?.fd != null) {
      // The failed write may have left part of a frame: never append after it.
      seg.size = fstatSync(seg.fd).size;
      try {
        this.seal(seg);
      } catch (e) {
        this.log.error({ err: e, segment: seg.name }, 'journal: sync after a failed write failed too');
      }
      this.active = null;
      if (seg.count === 0) {
        // Nothing readable in it; removing it frees its name for the retry.
        this.segments.splice(this.segments.indexOf(seg), 1);
        unlinkQuiet(seg.file);
      }
    }
    if (this.segments.length > 0) {
      this.dropOldest('disk full');
      return true;
    }
    this.hooks.unwritten(remaining, err);
    return false;
  }

  private roll(seq: number): Segment {
    if (this.active) this.seal(this.active);
    this.active = null;
    const seg = new Segment(this.opts.dir, seq);
    seg.fd = openSync(seg.file, 'wx');
    this.segments.push(seg);
    this.active = seg;
    this.dirDirty = true;
    // Created before dropping anything, so the seq counter stays pinned by a file name.
    let total = this.segments.reduce((a, s) => a + s.size, 0);
    while (this.segments.length > 1 && total + this.opts.segmentBytes > this.opts.maxBytes) total -= this.dropOldest('size bound').size;
    return seg;
  }

  private seal(seg: Segment): void {
    const fd = seg.fd;
    if (fd === null) return;
    seg.fd = null;
    if (this.opts.syncEach) {
      // Part of the current append may sit in it, and append() returns only once all of it is durable.
      try {
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return;
    }
    const p = (seg.syncing ?? Promise.resolve())
      .then(() => fdatasyncAsync(fd))
      .finally(() => closeAsync(fd))
      .catch((err: unknown) => this.log.error({ err, segment: seg.name }, 'journal: sealing segment failed'));
    this.seals.add(p);
    void p.finally(() => this.seals.delete(p));
  }

  private dropOldest(why: string): Segment {
    const seg = this.segments.shift()!;
    const lost = seg.unacked(this.hooks.ackedSeq());
    unlinkQuiet(seg.file);
    this.hooks.dropped(seg, lost, why);
    return seg;
  }

  /**
   * Puts everything appended so far on stable storage: the active segment, the segments sealed
   * on the way, and the folder entries of new files.
   */
  async sync(): Promise<void> {
    const seg = this.active;
    if (this.dataDirty && seg?.fd != null) {
      this.dataDirty = false;
      const p = fdatasyncAsync(seg.fd);
      seg.syncing = p;
      try {
        await p;
      } catch (err) {
        this.dataDirty = true;
        throw err;
      } finally {
        if (seg.syncing === p) seg.syncing = null;
      }
    }
    await Promise.all([...this.seals]);
    if (this.dirDirty) {
      this.dirDirty = false;
      await fsyncDir(this.opts.dir);
    }
  }

  /** Deletes the segments wholly at or below `ackedSeq` (never the active one); returns how many. */
  removeAcked(ackedSeq: number): number {
    let n = 0;
    while (this.segments.length > 0 && this.segments[0] !== this.active && this.segments[0]!.lastSeq <= ackedSeq) {
      unlinkQuiet(this.segments.shift()!.file);
      n++;
    }
    return n;
  }

  /** Seals the active segment and waits for every seal to finish. */
  async close(): Promise<void> {
    if (this.active) this.seal(this.active);
    this.active = null;
    await Promise.all([...this.seals]);
  }
}
