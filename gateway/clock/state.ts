import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Logger } from 'pino';

/** What the clock keeps across runs: small, and written rarely (every few minutes and at stop). */
export interface ClockState {
  /** Id of the gateway's batch stream: the ingestor checks reading order within it. */
  stream: string;
  /** Newest reading time sent with a trusted clock: a later clock earlier than this cannot be right. */
  newest: number | null;
}

export function loadClockState(file: string, log: Logger): ClockState {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClockState>;
    if (typeof s.stream === 'string' && s.stream.length > 0 && s.stream.length <= 64) {
      return { stream: s.stream, newest: typeof s.newest === 'number' && Number.isFinite(s.newest) ? s.newest : null };
    }
    log.warn({ file }, 'clock state unreadable; starting a new one');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ file, err: (err as Error).message }, 'clock state unreadable; starting a new one');
  }
  return { stream: randomBytes(8).toString('hex'), newest: null };
}

/** Replaces the state file whole (write, fsync, rename): a cut leaves the old one or the new one. */
export function saveClockState(file: string, state: ClockState, log: Logger): void {
  const tmp = `${file}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, 'clock state not saved');
  }
}
