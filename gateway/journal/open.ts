import { mkdirSync } from 'node:fs';
import { pino } from 'pino';
import { type Cursor, EMPTY_CURSOR, readCursor } from './cursor.ts';
import { FileJournal } from './journal.ts';
import { recover } from './recovery.ts';
import type { Journal, JournalOptions } from './types.ts';

export async function openJournal(opts: JournalOptions): Promise<Journal> {
  for (const k of ['maxBytes', 'segmentBytes', 'fsyncIntervalMs'] as const) {
    if (!Number.isInteger(opts[k]) || opts[k] < 0) throw new RangeError(`journal.${k} must be a non-negative integer`);
  }
  const log = (opts.log ?? pino({ enabled: false })).child({ module: 'journal' });
  mkdirSync(opts.dir, { recursive: true });
  let cursor: Cursor;
  try {
    cursor = readCursor(opts.dir);
  } catch (err) {
    // Resending everything is safe (the ingestor overwrites by series and time); refusing to start is not.
    log.error({ err, dir: opts.dir }, 'journal cursor unreadable; resending from the oldest record');
    cursor = { ...EMPTY_CURSOR };
  }
  const rec = recover(opts.dir, cursor.ackedSeq, log);
  if (rec.torn > 0) log.warn({ dir: opts.dir, torn: rec.torn }, 'journal recovered with skipped records');
  return new FileJournal(opts, log, cursor, rec);
}
