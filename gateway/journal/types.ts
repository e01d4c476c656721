import type { Logger } from 'pino';
import type { Reading } from '../../core/index.ts';

export interface JournalRecord { seq: number; reading: Reading }

export interface JournalStats {
  /** Unacknowledged records on disk. */
  records: number;
  /** Bytes on disk (all segments). */
  bytes: number;
  /** Lowest unacked seq, null when empty. */
  firstSeq: number | null;
  /** Highest seq ever assigned (0 when new). */
  lastSeq: number;
  /** Persisted cursor: every seq <= ackedSeq is delivered. */
  ackedSeq: number;
  /** Highest seq known to be on stable storage; read() never returns beyond it. */
  durableSeq: number;
  /** Reading ts (ms) of the oldest unacked record. */
  oldestUnackedTs: number | null;
  /** Records lost to the size bound (or a full disk) since creation; persisted. */
  droppedRecords: number;
  /** Bad frames found by checksum at the last open. */
  tornRecordsSkipped: number;
  /** e.g. 'journal_full_dropped_oldest' while it applies. */
  alarms: string[];
}

export interface JournalOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  fsyncIntervalMs: number;
  /**
   * Least time between two writes of the ack cursor (default 10 s). A cut loses at most this much
   * ack progress, which only re-sends readings the ingestor already has (it overwrites them), and
   * each write costs a file, a rename and three fsyncs. 0: with every flush.
   */
  cursorIntervalMs?: number;
  log?: Logger;
  /** Size of the volume the journal is on (set by openJournal): segments are sized to it. */
  volumeBytes?: number;
}

export interface Journal {
  /** Appends readings; assigns consecutive seqs (persisting across restarts); returns the last seq. */
  append(readings: readonly Reading[]): number;
  /**
   * Up to maxRecords / maxBytes (of encoded reading JSON) records with seq > afterSeq, oldest first.
   * Only records already fsynced are returned (seq <= stats().durableSeq): a record that a power
   * cut could still take back never leaves the gateway, so a seq is never reused for other data
   * after it was sent. At least one record is returned when any is readable, whatever maxBytes.
   */
  read(afterSeq: number, maxRecords: number, maxBytes: number): Promise<JournalRecord[]>;
  /** Everything <= seq is delivered: advance the cursor (persisted, batched like fsync), delete fully acked segments. */
  ack(seq: number): void;
  stats(): JournalStats;
  /** fsync now (data and cursor). */
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * Resolves true as soon as a record with seq > afterSeq is readable (durable), or false after
   * timeoutMs or on close — so a sender can wait for data instead of polling read().
   */
  waitForRecords(afterSeq: number, timeoutMs: number): Promise<boolean>;
}
