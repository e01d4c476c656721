import type { Logger } from 'pino';
import type { Reading } from '../../core/index.ts';
import { ALARM_DROPPED, AckCursor } from './ack-cursor.ts';
import { ALARM_DISK_FULL, Appender } from './appender.ts';
import type { Cursor } from './cursor.ts';
import { readRecords } from './reader.ts';
import type { Recovered } from './recovery.ts';
import { BacklogCounter } from './stats.ts';
import type { Journal, JournalOptions, JournalRecord, JournalStats } from './types.ts';
import { Waiters } from './waiters.ts';

export { ALARM_DISK_FULL, ALARM_DROPPED };

/**
 * The journal: the write side (Appender: framing, segment rotation, the size bound), the delivery
 * side (AckCursor: acked seq, losses, the drop alarm) and the reading side (readRecords) joined by
 * one batched flush, which is what makes appended records readable and acks durable.
 */
export class FileJournal implements Journal {
  private readonly dir: string;
  private readonly syncEach: boolean;
  private readonly cursorIntervalMs: number;
  private readonly appender: Appender;
  private readonly cursor: AckCursor;
  private durableSeq: number;
  private readonly torn: number;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private cursorNow = false;
  private readonly timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly waiters = new Waiters();
  private readonly backlog = new BacklogCounter();

  constructor(opts: JournalOptions, private readonly log: Logger, cursor: Cursor, rec: Recovered) {
    this.dir = opts.dir;
    // The bound is enforced a whole segment at a time, so keep several segments under it, and under
    // the volume too: a full disk then costs the oldest eighth of it, not the whole backlog.
    const volume = opts.volumeBytes && opts.volumeBytes > 0 ? Math.floor(opts.volumeBytes / 8) : Infinity;
    const segmentBytes = Math.max(1, Math.min(opts.segmentBytes, Math.floor(opts.maxBytes / 4), volume));
    this.syncEach = opts.fsyncIntervalMs === 0;
    this.cursorIntervalMs = opts.cursorIntervalMs ?? 10_000;
    this.torn = rec.torn;
    this.cursor = new AckCursor(cursor);
    const lastSeq = Math.max(rec.highestSeq, cursor.ackedSeq, cursor.lastSeq);
    this.appender = new Appender({ dir: opts.dir, maxBytes: opts.maxBytes, segmentBytes, syncEach: this.syncEach }, {
      ackedSeq: () => this.cursor.ackedSeq,
      dropped: (seg, lost, why) => {
        this.backlog.invalidate();
        if (lost === 0) return;
        this.cursor.lost(lost, Math.max(this.appender.lastSeq, seg.lastSeq));
        this.log.error({ segment: seg.name, firstSeq: seg.firstSeq, lastSeq: seg.lastSeq, lost, droppedRecords: this.cursor.droppedRecords, why },
          'journal full: dropped oldest segment with unacked records');
        if (this.syncEach) this.flushSoon();
      },
      unwritten: (count, err) => {
        this.cursor.lost(count);
        this.log.error({ err, lost: count, droppedRecords: this.cursor.droppedRecords }, 'journal: disk full, readings dropped');
      },
    }, log, rec.segments, lastSeq);
    // recover() fsynced every segment it kept.
    this.durableSeq = lastSeq;
    if (!this.syncEach) {
      this.timer = setInterval(() => void this.flush(false).catch((err: unknown) => this.log.error({ err }, 'journal flush failed')), opts.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  append(readings: readonly Reading[]): number {
    if (this.closed) throw new Error('journal is closed');
    const { lastSeq, durable } = this.appender.append(readings);
    if (durable) this.markDurable(lastSeq);
    return lastSeq;
  }

  read(afterSeq: number, maxRecords: number, maxBytes: number): Promise<JournalRecord[]> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    return readRecords(this.appender.segments, { fromSeq: Math.max(1, Math.floor(afterSeq) + 1), toSeq: this.durableSeq, maxRecords, maxBytes }, this.log);
  }

  ack(seq: number): void {
    if (this.cursor.ack(seq, this.appender.lastSeq) && this.syncEach) this.flushSoon();
  }

  stats(): JournalStats {
    const alarms: string[] = [];
    if (this.cursor.alarm) alarms.push(ALARM_DROPPED);
    if (this.appender.diskFull) alarms.push(ALARM_DISK_FULL);
    return {
      ...this.backlog.count(this.appender.segments, this.cursor.ackedSeq), lastSeq: this.appender.lastSeq, ackedSeq: this.cursor.ackedSeq,
      durableSeq: this.durableSeq, droppedRecords: this.cursor.droppedRecords, tornRecordsSkipped: this.torn, alarms,
    };
  }

  /**
   * Joins a flush not yet started, else queues one: callers always get one that starts after their
   * call. The periodic flush (`cursor` false) writes the cursor only when it is due; any other
   * flush writes it whenever it changed.
   */
  flush(cursor = true): Promise<void> {
    if (cursor) this.cursorNow = true;
    if (!this.queued) {
      const q = this.chain.then(() => {
        this.queued = null;
        const force = this.cursorNow;
        this.cursorNow = false;
        return this.doFlush(force);
      });
      this.queued = q;
      this.chain = q.catch(() => undefined);
    }
    return this.queued;
  }

  private flushSoon(): void {
    void this.flush().catch((err: unknown) => this.log.error({ err }, 'journal flush failed'));
  }

  private async doFlush(forceCursor: boolean): Promise<void> {
    const target = this.appender.lastSeq;
    await this.appender.sync();
    this.markDurable(target);
    const now = Date.now();
    if (forceCursor || this.cursor.due(now, this.cursorIntervalMs)) await this.cursor.persist(this.dir, target, now);
    // Only once the cursor says so durably: deleting first could let seqs restart below delivered ones.
    if (this.appender.removeAcked(this.cursor.persistedAcked) > 0) this.backlog.invalidate();
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
    await this.appender.close();
  }
}
