import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { QuarantineReason } from './validate.ts';

export interface QuarantineEntry {
  id: number;
  at: number;
  site: string | null;
  gateway: string | null;
  seq: number | null;
  reason: QuarantineReason;
  detail: string;
  /** The refused payload: the whole batch when it cannot be parsed, else the refused readings. */
  payload: unknown;
}

const KEEP_IN_MEMORY = 1000;

/**
 * Quarantined data is appended to a JSON-lines file (durable, greppable, never rewritten) and the
 * newest entries are kept in memory for the API. Nothing refused is dropped silently.
 */
export class Quarantine {
  private readonly file: string;
  private readonly recent: QuarantineEntry[] = [];
  private nextId = 1;
  /** Entries by reason over the whole file, so the figures survive a restart like the entries do. */
  readonly counts = new Map<QuarantineReason, number>();

  constructor(dataDir: string, private readonly log: Logger) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'quarantine.jsonl');
    try {
      const text = readFileSync(this.file, 'utf8');
      // A line torn by a crash is left as it is, but the next entry must start on a line of its own.
      if (text && !text.endsWith('\n')) appendFileSync(this.file, '\n');
      const lines = text.split('\n').filter(Boolean);
      lines.forEach((line, i) => {
        try {
          const entry = JSON.parse(line) as QuarantineEntry;
          this.counts.set(entry.reason, (this.counts.get(entry.reason) ?? 0) + 1);
          if (i >= lines.length - KEEP_IN_MEMORY) this.recent.push(entry);
        } catch {
          // a torn last line after a crash; the file stays as it is
        }
      });
      this.nextId = (this.recent.at(-1)?.id ?? lines.length) + 1;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  add(entry: Omit<QuarantineEntry, 'id' | 'at'>, at = Date.now()): QuarantineEntry {
    const full: QuarantineEntry = { id: this.nextId++, at, ...entry };
    // The gateway drops its copy on our ack, so the entry must be on disk first: fsync, as
    // quarantine is rare and each entry is small.
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, `${JSON.stringify(full)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.recent.push(full);
    if (this.recent.length > KEEP_IN_MEMORY) this.recent.shift();
    this.counts.set(entry.reason, (this.counts.get(entry.reason) ?? 0) + 1);
    this.log.warn({ site: entry.site, gateway: entry.gateway, seq: entry.seq, reason: entry.reason, detail: entry.detail }, 'quarantined');
    return full;
  }

  list(filter: { site?: string | undefined; gateway?: string | undefined; reason?: QuarantineReason | undefined; limit: number }): QuarantineEntry[] {
    return this.recent
      .filter((e) => (!filter.site || e.site === filter.site) && (!filter.gateway || e.gateway === filter.gateway) && (!filter.reason || e.reason === filter.reason))
      .slice(-filter.limit)
      .reverse();
  }
}
