import { closeSync, existsSync, mkdirSync, openSync, statSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { ZmError } from '../../core/errors.ts';
import { type Cursor, EMPTY_CURSOR, readCursor } from './cursor.ts';
import { FileJournal } from './journal.ts';
import { recover } from './recovery.ts';
import type { Journal, JournalOptions } from './types.ts';

export async function openJournal(opts: JournalOptions): Promise<Journal> {
  for (const k of ['maxBytes', 'segmentBytes', 'fsyncIntervalMs'] as const) {
    if (!Number.isInteger(opts[k]) || opts[k] < 0) throw new RangeError(`journal.${k} must be a non-negative integer`);
  }
  const log = (opts.log ?? pino({ enabled: false })).child({ module: 'journal' });
  const volumeBytes = checkJournalDir(opts.dir, opts.segmentBytes);
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
  return new FileJournal({ ...opts, volumeBytes }, log, cursor, rec);
}

/**
 * mkdir -p, one level at a time. Node 20's recursive mkdirSync never returns for a path under
 * /proc (the kernel answers ENOENT for the missing part, and Node retries it forever), which made
 * `gateway run` hang on `journal.dir: /proc/x`.
 */
function makeDir(dir: string, depth = 0): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir || depth > 64) throw err;
    makeDir(parent, depth + 1);
    mkdirSync(dir);
  }
}

const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 0)} MiB`;

/**
 * Makes sure the journal can live in `dir` before anything is polled: the folder exists (or can
 * be made) and takes a file, and its volume holds several segments. Every failure names the
 * config field, so `gateway check` and `gateway run` say what to change. Returns the volume size.
 */
export function checkJournalDir(dir: string, segmentBytes: number, create = true): number {
  const fail = (field: string, why: string) => new ZmError('ERR_CONFIG_INVALID', `journal.${field}: ${why}`);
  // Without `create` (gateway check), the folder is judged by the nearest part of it that exists.
  let at = path.resolve(dir);
  if (create) {
    try {
      makeDir(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw fail('dir', code === 'EEXIST' || code === 'ENOTDIR' ? `${dir} is a file, not a folder` : `${dir} cannot be created (${code ?? (err as Error).message})`);
    }
  } else {
    while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
    // /proc and /sys take no folders of ours whatever the permissions say.
    if (at !== path.resolve(dir) && /^\/(proc|sys)(\/|$)/.test(at)) throw fail('dir', `${dir} cannot be created (ENOENT)`);
  }
  if (!statSync(at).isDirectory()) throw fail('dir', `${dir} is a file, not a folder`);
  const probe = path.join(at, `.probe-${process.pid}`);
  try {
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'x');
    } finally {
      closeSync(fd);
      unlinkSync(probe);
    }
  } catch (err) {
    throw fail('dir', `${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const fs = statfsSync(at);
  const volume = fs.blocks * fs.bsize;
  // A full disk is handled by dropping the oldest segment; a volume that cannot hold even one
  // segment would drop everything at once, so it is refused here instead.
  if (volume > 0 && volume < segmentBytes) {
    throw fail('segmentBytes', `${MiB(segmentBytes)} segments do not fit the ${MiB(volume)} volume of ${dir}; set journal.segmentBytes to at most ${Math.max(64 * 1024, Math.floor(volume / 8))}`);
  }
  return volume;
}
