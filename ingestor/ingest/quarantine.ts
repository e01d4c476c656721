import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
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
  readonly counts = new Map<QuarantineReason, number>();

  constructor(dataDir: string, private readonly log: Logger) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'quarantine.jsonl');
    try {
      const lines = readFileSync(this.file, 'utf8').split('\n').filter(Boolean);
      for (const line of lines.slice(-KEEP_IN_MEMORY)) {
        try {
          this.recent.push(JSON.parse(line) as QuarantineEntry);
        } catch {
          // a torn last line after a crash; the file stays as it is
        }
      }
      this.nextId = (this.recent.at(-1)?.id ?? lines.length) + 1;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  add(entry: Omit<QuarantineEntry, 'id' | 'at'>, at = Date.now()): QuarantineEntry {
    const full: QuarantineEntry = { id: this.nextId++, at, ...entry };
    appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    this.recent.push(full);
    if (this.recent.length > KEEP_IN_MEMORY) this.recent.shift();
    this.counts.set(entry.reason, (this.counts.get(entry.reason) ?? 0) + 1);
    this.log.warn({ site: entry.site, gateway: entry.gateway, seq: entry.seq, reason: entry.reason, detail: entry.detail }, 'quarantined');
    return full;
  }

  list(filter: { site?: string; gateway?: string; limit: number }): QuarantineEntry[] {
    return this.recent
      .filter((e) => (!filter.site || e.site === filter.site) && (!filter.gateway || e.gateway === filter.gateway))
      .slice(-filter.limit)
      .reverse();
  }
}
