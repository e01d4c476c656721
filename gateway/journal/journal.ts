import { closeSync, fdatasyncSync, fstatSync, openSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Reading } from '../../core/index.ts';
import { type Cursor, writeCursor } from './cursor.ts';
import { encodeFrames } from './frame.ts';
import { closeAsync, errCode, fdatasyncAsync, fsyncDir, fsyncDirSync, unlinkQuiet, writeAll } from './fsutil.ts';
import { readSegment } from './reader.ts';
import type { Recovered } from './recovery.ts';
import { Segment } from './segment.ts';
import { BacklogCounter } from './stats.ts';
import type { Journal, JournalOptions, JournalRecord, JournalStats } from './types.ts';
import { Waiters } from './waiters.ts';

export const ALARM_DROPPED = 'journal_full_dropped_oldest';
export const ALARM_DISK_FULL = 'journal_disk_full';

export class FileJournal implements Journal {
  private readonly dir: string;
  private readonly segBytes: number;
  private readonly syncEach: boolean;
  private readonly segments: Segment[];
  private active: Segment | null = null;
  private lastSeq: number;
  private ackedSeq: number;
  private persistedAcked: number;
  private durableSeq: number;
  private dropped: number;
  private alarmUntil: number;
  private diskFull = false;
  private readonly torn: number;
  private dataDirty = false;
  private dirDirty = false;
  private cursorDirty = false;
  private readonly seals = new Set<Promise<void>>();
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly waiters = new Waiters();
  private readonly backlog = new BacklogCounter();

  constructor(private readonly opts: JournalOptions, private readonly log: Logger, cursor: Cursor, rec: Recovered) {
    this.dir = opts.dir;
    // The bound is enforced a whole segment at a time, so keep several segments under it, and under
    // the volume too: a full disk then costs the oldest eighth of it, not the whole backlog.
    const volume = opts.volumeBytes && opts.volumeBytes > 0 ? Math.floor(opts.volumeBytes / 8) : Infinity;
    this.segBytes = Math.max(1, Math.min(opts.segmentBytes, Math.floor(opts.maxBytes / 4), volume));
    this.syncEach = opts.fsyncIntervalMs === 0;
    this.segments = rec.segments;
    this.torn = rec.torn;
    this.lastSeq = Math.max(rec.highestSeq, cursor.ackedSeq, cursor.lastSeq);
    this.ackedSeq = this.persistedAcked = cursor.ackedSeq;
    // recover() fsynced every segment it kept.
    this.durableSeq = this.lastSeq;
    this.dropped = cursor.droppedRecords;
    this.alarmUntil = cursor.alarmUntilSeq > cursor.ackedSeq ? cursor.alarmUntilSeq : 0;
    if (!this.syncEach) {
      this.timer = setInterval(() => void this.flush().catch((err: unknown) => this.log.error({ err }, 'journal flush failed')), opts.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  append(readings: readonly Reading[]): number {
    if (this.closed) throw new Error('journal is closed');
    if (readings.length === 0) return this.lastSeq;
    const first = this.lastSeq + 1;
    const { buf, ends } = encodeFrames(first, readings.map((r) => JSON.stringify(r)));
    let i = 0;
    while (i < ends.length) {
      const start = i === 0 ? 0 : ends[i - 1]!;
      let j = i + 1;
      let seg: Segment | null = this.active;
      try {
        if (!seg || (seg.size > 0 && ends[i]! - start > this.segBytes - seg.size)) seg = this.roll(first + i);
        // As many frames as fit in the segment, and at least one: a single write per segment touched.
        while (j < ends.length && ends[j]! - start <= this.segBytes - seg.size) j++;
        writeAll(seg.fd!, buf, start, ends[j - 1]!);
      } catch (err) {
        if (!this.onWriteFailure(err, this.active, ends.length - i)) break;
        continue;
      }
      for (let k = i; k < j; k++) seg.add(first + k, seg.size + (k === i ? 0 : ends[k - 1]! - start));
      seg.size += ends[j - 1]! - start;
      seg.end = seg.size;
      this.lastSeq = first + j - 1;
      this.diskFull = false;
      i = j;
    }
    if (this.syncEach && this.active?.fd != null) {
      fdatasyncSync(this.active.fd);
      if (this.dirDirty) fsyncDirSync(this.dir);
      this.dirDirty = false;
      this.markDurable(this.lastSeq);
    } else this.dataDirty = true;
    return this.lastSeq;
  }

  /** A full disk must not stop the gateway: free the oldest segment and retry, else drop the rest. */
  private onWriteFailure(err: unknown, seg: Segment | null, remaining: number): boolean {
    if (errCode(err) !== 'ENOSPC' && errCode(err) !== 'EDQUOT') throw err;
    this.diskFull = true;
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
    this.dropped += remaining;
    this.cursorDirty = true;
    this.log.error({ err, lost: remaining, droppedRecords: this.dropped }, 'journal: disk full, readings dropped');
    return false;
  }

  private roll(seq: number): Segment {
    if (this.active) this.seal(this.active);
    this.active = null;
    const seg = new Segment(this.dir, seq);
    seg.fd = openSync(seg.file, 'wx');
    this.segments.push(seg);
    this.active = seg;
    this.dirDirty = true;
    // Created before dropping anything, so the seq counter stays pinned by a file name.
    let total = this.segments.reduce((a, s) => a + s.size, 0);
    while (this.segments.length > 1 && total + this.segBytes > this.opts.maxBytes) total -= this.dropOldest('size bound').size;
    return seg;
  }

  private seal(seg: Segment): void {
    const fd = seg.fd;
    if (fd === null) return;
    seg.fd = null;
    if (this.syncEach) {
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
    const lost = seg.unacked(this.ackedSeq);
    unlinkQuiet(seg.file);
    this.backlog.invalidate();
    if (lost > 0) {
      this.dropped += lost;
      this.alarmUntil = Math.max(this.lastSeq, seg.lastSeq);
      this.cursorDirty = true;
      this.log.error({ segment: seg.name, firstSeq: seg.firstSeq, lastSeq: seg.lastSeq, lost, droppedRecords: this.dropped, why },
        'journal full: dropped oldest segment with unacked records');
      if (this.syncEach) this.flushSoon();
    }
    return seg;
  }

  async read(afterSeq: number, maxRecords: number, maxBytes: number): Promise<JournalRecord[]> {
    if (this.closed) throw new Error('journal is closed');
    const lim = { fromSeq: Math.max(1, Math.floor(afterSeq) + 1), toSeq: this.durableSeq, maxRecords, maxBytes };
    const out: JournalRecord[] = [];
    if (maxRecords <= 0 || lim.fromSeq > lim.toSeq) return out;
    const acc = { bytes: 0 };
    for (const seg of [...this.segments]) {
      if (seg.count === 0 || seg.lastSeq < lim.fromSeq) continue;
      if (seg.firstSeq > lim.toSeq || (await readSegment(seg, lim, out, acc, this.log))) break;
    }
    return out;
  }

  ack(seq: number): void {
    if (!Number.isFinite(seq)) return;
    const s = Math.min(Math.floor(seq), this.lastSeq);
    if (s <= this.ackedSeq) return;
    this.ackedSeq = s;
    this.cursorDirty = true;
    if (this.alarmUntil > 0 && s >= this.alarmUntil) this.alarmUntil = 0;
    if (this.syncEach) this.flushSoon();
  }

  stats(): JournalStats {
    const alarms: string[] = [];
    if (this.alarmUntil > this.ackedSeq) alarms.push(ALARM_DROPPED);
    if (this.diskFull) alarms.push(ALARM_DISK_FULL);
    return {
      ...this.backlog.count(this.segments, this.ackedSeq), lastSeq: this.lastSeq, ackedSeq: this.ackedSeq,
      durableSeq: this.durableSeq, droppedRecords: this.dropped, tornRecordsSkipped: this.torn, alarms,
    };
  }

  /** Joins a flush not yet started, else queues one: callers always get one that starts after their call. */
  flush(): Promise<void> {
    if (!this.queued) {
      const q = this.chain.then(() => {
        this.queued = null;
        return this.doFlush();
      });
      this.queued = q;
      this.chain = q.catch(() => undefined);
    }
    return this.queued;
  }

  private flushSoon(): void {
    void this.flush().catch((err: unknown) => this.log.error({ err }, 'journal flush failed'));
  }

  private async doFlush(): Promise<void> {
    const target = this.lastSeq;
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
      await fsyncDir(this.dir);
    }
    this.markDurable(target);
    if (this.cursorDirty) {
      this.cursorDirty = false;
      const c: Cursor = { v: 1, ackedSeq: this.ackedSeq, droppedRecords: this.dropped, lastSeq: target, alarmUntilSeq: this.alarmUntil };
      try {
        await writeCursor(this.dir, c);
      } catch (err) {
        this.cursorDirty = true;
        throw err;
      }
      this.persistedAcked = c.ackedSeq;
    }
    // Only once the cursor says so durably: deleting first could let seqs restart below delivered ones.
    while (this.segments.length > 0 && this.segments[0] !== this.active && this.segments[0]!.lastSeq <= this.persistedAcked) {
      unlinkQuiet(this.segments.shift()!.file);
      this.backlog.invalidate();
    }
  }

  private markDurable(seq: number): void {
    if (seq <= this.durableSeq) return;
    this.durableSeq = seq;
    this.waiters.wake(seq);
  }

  waitForRecords(afterSeq: number, timeoutMs: number): Promise<boolean> {
    if (this.durableSeq > afterSeq) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return this.waiters.wait(afterSeq, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.waiters.cancelAll();
    await this.flush();
    if (this.active) this.seal(this.active);
    await Promise.all([...this.seals]);
  }
}
