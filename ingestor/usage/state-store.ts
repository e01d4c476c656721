import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CounterState } from './counter.ts';

/** What one meter carries between batches and across restarts. */
export interface MeterUsageState {
  counter: CounterState;
  /**
   * The 15-minute totals of the local day holding the counter's last reading, so the open day's
   * hourly and daily rollups are sums of known buckets instead of a query per batch.
   */
  day: { start: number; buckets: Record<string, number> };
  /** Replacement records (by time) already applied, so a late one triggers a re-derivation. */
  replacements: number[];
}

interface Persisted {
  v: 1;
  meters: Record<string, MeterUsageState>;
}

/** Usage state as one JSON file in the data dir, replaced atomically (write + rename). */
export class UsageStateStore {
  readonly meters = new Map<string, MeterUsageState>();
  private readonly file: string;

  constructor(dataDir: string, private readonly log: Logger) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'usage-state.json');
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Persisted;
      for (const [k, v] of Object.entries(saved.meters)) this.meters.set(k, v);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err, file: this.file }, 'cannot read usage state; re-deriving from stored readings as they come');
    }
  }

  save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ v: 1, meters: Object.fromEntries(this.meters) } satisfies Persisted));
    renameSync(tmp, this.file);
  }
}
