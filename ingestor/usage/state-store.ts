import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CounterState } from './counter.ts';
import type { FoldState } from './fold.ts';

/** What one meter carries between batches and across restarts. */
export interface MeterUsageState {
  counter: Pick<CounterState, 'ts' | 'value' | 'jump'>;
  /** The open bucket and the sums before it of its hour, day and month: see UsageFolder. */
  fold: FoldState;
  /** Replacement records (by time) already applied, so a late one triggers a re-derivation. */
  replacements: number[];
}

interface Persisted {
  v: 2;
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
      // An older layout is not guessed at: each meter without state re-derives from its stored readings.
      if (saved.v === 2) for (const [k, v] of Object.entries(saved.meters)) this.meters.set(k, v);
      else log.info({ file: this.file }, 'usage state from an older version; meters re-derive from stored readings as they report');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err, file: this.file }, 'cannot read usage state; re-deriving from stored readings as they come');
    }
  }

  save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ v: 2, meters: Object.fromEntries(this.meters) } satisfies Persisted));
    renameSync(tmp, this.file);
  }
}
