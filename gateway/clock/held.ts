import { closeSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Reading } from '../../core/index.ts';

/** A reading whose time is not known yet: when it was read on the monotonic clock of which boot. */
export interface HeldEntry {
  /** Monotonic ms (CLOCK_MONOTONIC: since boot). */
  m: number;
  /** The boot the monotonic value belongs to; null when the system does not say. */
  b: string | null;
  /** The reading, its ts what the unverified clock said. */
  r: Reading;
}

/**
 * Readings held while the clock is not trusted, before they enter the journal: at most `max` in
 * memory, the oldest dropped (and counted) past that, since for a counter the newest reading
 * carries the energy and an older one only the shape of the curve.
 *
 * Each one is also appended to a file, without fsync. A restart of the process keeps the file
 * (the page cache outlives the process), and the monotonic clock runs on, so what it held is
 * re-stamped after the restart. A power cut may take the newest lines with it, but a power cut
 * also restarts the monotonic clock: what survives it could only be flagged clock_unknown, so
 * fsyncs (SD-card wear) would buy nothing. The file is rewritten from memory when it grows past
 * twice the bound, and emptied once the clock is trusted and the readings are in the journal.
 */
export class HeldReadings {
  private entries: HeldEntry[] = [];
  private fd: number | null = null;
  private lines = 0;
  /** Held readings dropped to the bound since start. */
  dropped = 0;

  constructor(private readonly file: string | null, private readonly max: number, private readonly log: Logger) {}

  get size(): number {
    return this.entries.length;
  }

  /** What an earlier run left in the file (torn or invalid lines skipped). */
  async load(): Promise<HeldEntry[]> {
    if (!this.file) return [];
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    if (!text.trim()) return [];
    // Only a gateway that held readings over a restart needs the schema: zod, once loaded, stays in
    // the process's memory for good.
    const { ReadingSchema } = await import('../../core/schemas.ts');
    const out: HeldEntry[] = [];
    let bad = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as Partial<HeldEntry>;
        const r = ReadingSchema.safeParse(e.r);
        if (typeof e.m === 'number' && (typeof e.b === 'string' || e.b === null) && r.success) out.push({ m: e.m, b: e.b, r: r.data });
        else bad++;
      } catch {
        bad++;
      }
    }
    if (bad) this.log.warn({ file: this.file, bad }, 'held readings: unreadable lines skipped');
    return out.length > this.max ? out.slice(-this.max) : out;
  }

  /** Holds `entries` (from load()) again and makes them the whole file. */
  restore(entries: HeldEntry[]): void {
    this.entries = entries.slice(-this.max);
    this.rewrite();
  }

  add(e: HeldEntry): void {
    this.entries.push(e);
    if (this.entries.length > this.max) {
      this.entries.shift();
      if (this.dropped++ % 1000 === 0) this.log.warn({ max: this.max, dropped: this.dropped }, 'held readings over clock.maxHeldReadings; dropping the oldest');
    }
    this.write(`${JSON.stringify(e)}\n`);
    if (this.lines > 2 * this.max) this.rewrite();
  }

  /** Hands over everything held, oldest first; clearFile() forgets them on disk once they are safe. */
  take(): HeldEntry[] {
    const out = this.entries;
    this.entries = [];
    return out;
  }

  /** The readings handed over by take() are safely elsewhere now: forget them on disk too. */
  clearFile(): void {
    if (this.fd === null && this.file) {
      try {
        this.fd = openSync(this.file, 'a');
      } catch {
        return;
      }
    }
    if (this.fd === null) return;
    try {
      ftruncateSync(this.fd, 0);
      this.lines = 0;
      if (this.entries.length) this.rewrite();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'held readings: could not empty the file');
    }
  }

  /** Writes what is held now as the whole file (also after load, to drop what was not kept). */
  rewrite(): void {
    if (!this.file) return;
    try {
      const tmp = `${this.file}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        const text = this.entries.map((e) => `${JSON.stringify(e)}\n`).join('');
        if (text) writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      if (this.fd !== null) closeSync(this.fd);
      this.fd = openSync(this.file, 'a');
      this.lines = this.entries.length;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'held readings: could not rewrite the file');
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private write(line: string): void {
    if (!this.file) return;
    try {
      this.fd ??= openSync(this.file, 'a');
      writeSync(this.fd, line);
      this.lines++;
    } catch (err) {
      // A full disk must not stop polling: what is held stays in memory.
      this.log.warn({ err: (err as Error).message }, 'held readings: could not append to the file');
    }
  }
}
