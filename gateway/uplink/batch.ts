import type { Batch } from '../../core/index.ts';
import { WIRE_VERSION } from '../../core/wire.ts';
import type { JournalRecord } from '../journal/types.ts';

export interface CutBatch {
  payload: string;
  /** How many of the records it carries (a prefix). */
  count: number;
  /** How many times it was cut to fit. */
  splits: number;
}

/**
 * The batch payload for a prefix of `records` that fits `budget` bytes (at least one record,
 * whatever its size). The journal counts reading bytes only; the envelope and separators come on
 * top, so the batch is cut until the whole payload fits and is never larger than the broker takes.
 * Its seq is its last record's. With a `stream`, the batch also ends before any gap in the seqs
 * (a torn record skipped at recovery): the ingestor counts each reading's seq back from the last.
 */
export function cutBatch(site: string, gateway: string, sent: number, records: readonly JournalRecord[], budget: number, stream?: string): CutBatch {
  if (stream) {
    const gap = records.findIndex((r, i) => i > 0 && r.seq !== records[i - 1]!.seq + 1);
    if (gap > 0) records = records.slice(0, gap);
  }
  let batch: Batch = {
    v: WIRE_VERSION, site, gateway, seq: records.at(-1)!.seq, sent, ...(stream ? { stream } : {}), readings: records.map((r) => r.reading),
  };
  let payload = JSON.stringify(batch);
  let count = records.length;
  let splits = 0;
  while (Buffer.byteLength(payload) > budget && count > 1) {
    count = Math.max(1, Math.floor(count * (budget / Buffer.byteLength(payload)) * 0.95));
    batch = { ...batch, seq: records[count - 1]!.seq, readings: batch.readings.slice(0, count) };
    payload = JSON.stringify(batch);
    splits++;
  }
  return { payload, count, splits };
}
