import { type Cursor, writeCursor } from './cursor.ts';

export const ALARM_DROPPED = 'journal_full_dropped_oldest';

/**
 * The delivery side of the journal: how far the ingestor has acknowledged, what was lost to the
 * size bound or a full disk, and whether the drop alarm still holds. Changes are kept in memory
 * and written to the cursor file by persist(), which the journal calls from its batched flush.
 */
export class AckCursor {
  private acked: number;
  private persisted: number;
  private dropped: number;
  private alarmUntil: number;
  private dirty = false;
  /** A loss to record: written with the next flush, not held for the cursor interval. */
  private urgent = false;
  private writtenAt = 0;

  constructor(cursor: Cursor) {
    this.acked = this.persisted = cursor.ackedSeq;
    this.dropped = cursor.droppedRecords;
    // An alarm whose records were all acked before the restart is over.
    this.alarmUntil = cursor.alarmUntilSeq > cursor.ackedSeq ? cursor.alarmUntilSeq : 0;
  }

  /** Every seq <= this is delivered. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** The acked seq the cursor file says; only segments wholly at or below it may be deleted. */
  get persistedAcked(): number {
    return this.persisted;
  }

  get droppedRecords(): number {
    return this.dropped;
  }

  /** The drop alarm holds until everything up to the last dropped seq is acked. */
  get alarm(): boolean {
    return this.alarmUntil > this.acked;
  }

  /** Advances to `seq` (never past `lastSeq`, never backwards); false when nothing changed. */
  ack(seq: number, lastSeq: number): boolean {
    if (!Number.isFinite(seq)) return false;
    const s = Math.min(Math.floor(seq), lastSeq);
    if (s <= this.acked) return false;
    this.acked = s;
    this.dirty = true;
    if (this.alarmUntil > 0 && s >= this.alarmUntil) this.alarmUntil = 0;
    return true;
  }

  /**
   * `count` unacked records were lost. With `alarmUntilSeq` (a segment was dropped) the alarm
   * holds until that seq is acked; without (readings never written) only the count grows.
   */
  lost(count: number, alarmUntilSeq?: number): void {
    this.dropped += count;
    if (alarmUntilSeq !== undefined) this.alarmUntil = alarmUntilSeq;
    this.dirty = true;
    this.urgent = true;
  }

  /** Whether a write is owed now: a loss to record, or ack progress not written for `intervalMs`. */
  due(now: number, intervalMs: number): boolean {
    return this.dirty && (this.urgent || now - this.writtenAt >= intervalMs);
  }

  /** Writes the cursor file when something changed since the last write. */
  async persist(dir: string, lastSeq: number, now = Date.now()): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const wasUrgent = this.urgent;
    this.urgent = false;
    const c: Cursor = { v: 1, ackedSeq: this.acked, droppedRecords: this.dropped, lastSeq, alarmUntilSeq: this.alarmUntil };
    try {
      await writeCursor(dir, c);
    } catch (err) {
      this.dirty = true;
      this.urgent = wasUrgent;
      throw err;
    }
    this.persisted = c.ackedSeq;
    this.writtenAt = now;
  }
}
