import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from './fsutil.ts';

// The cursor is a tiny file rewritten whole through temp file + fsync + rename: rename is atomic,
// so a power cut leaves the old or the new cursor, never half of one; reading it needs no
// recovery scan; and it is written only when it changed, at most once per cursor interval
// (journal.cursorIntervalMs) unless records were lost, which is as few blocks as an append-only
// cursor log would cost without the log's compaction.
export interface Cursor {
  v: 1;
  ackedSeq: number;
  droppedRecords: number;
  /** Highest seq assigned when written: a floor for the seq counter after a crash. */
  lastSeq: number;
  /** The drop alarm holds until everything up to this seq is acked (0: no alarm). */
  alarmUntilSeq: number;
}
const COUNTERS = ['ackedSeq', 'droppedRecords', 'lastSeq', 'alarmUntilSeq'] as const;

export const CURSOR_FILE = 'cursor.json';
export const EMPTY_CURSOR: Cursor = { v: 1, ackedSeq: 0, droppedRecords: 0, lastSeq: 0, alarmUntilSeq: 0 };

/** The persisted cursor; a missing file is a new journal. Throws with the reason on a bad file. */
export function readCursor(dir: string): Cursor {
  let text: string;
  try {
    text = readFileSync(path.join(dir, CURSOR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_CURSOR };
    throw err;
  }
  return checkCursor(JSON.parse(text));
}

// Checked by hand, not with a schema library: the gateway reads it once, and zod loaded for that
// would stay in its memory for good.
function checkCursor(v: unknown): Cursor {
  if (typeof v !== 'object' || v === null) throw new TypeError('cursor: expected an object');
  const o = v as Record<string, unknown>;
  if (o.v !== 1) throw new TypeError('cursor: v: expected 1');
  for (const k of COUNTERS) {
    const n = o[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TypeError(`cursor: ${k}: expected an integer ≥ 0`);
  }
  return { v: 1, ackedSeq: o.ackedSeq as number, droppedRecords: o.droppedRecords as number, lastSeq: o.lastSeq as number, alarmUntilSeq: o.alarmUntilSeq as number };
}

// Async: on an SD card an fsync can take tens of milliseconds, and the poller shares this event loop.
export async function writeCursor(dir: string, cursor: Cursor): Promise<void> {
  const tmp = path.join(dir, `${CURSOR_FILE}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(cursor));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path.join(dir, CURSOR_FILE));
  await fsyncDir(dir);
}
