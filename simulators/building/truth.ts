import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import type { TruthRow } from './series.ts';

/**
 * What the simulator produced, per meter per step, for reconciling a store against it: CSV when
 * the file ends in .csv, JSON lines otherwise.
 */
export class TruthWriter {
  private readonly out: WriteStream;
  private readonly csv: boolean;

  constructor(readonly file: string) {
    this.csv = file.endsWith('.csv');
    this.out = createWriteStream(file);
    if (this.csv) this.out.write('meter,ts,time,measurement,counter,usage\n');
  }

  /** Resolves once the stream has room again, so a fast producer does not buffer years in memory. */
  write(rows: readonly TruthRow[]): Promise<void> | undefined {
    const text = rows.map((r) => (this.csv
      ? `${r.meter},${r.ts},${new Date(r.ts).toISOString()},${r.measurement},${r.counter},${r.usage}\n`
      : `${JSON.stringify(r)}\n`)).join('');
    if (this.out.write(text)) return undefined;
    return new Promise((resolve) => this.out.once('drain', () => resolve()));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** Reads a truth file back (either format). */
export function parseTruth(text: string): TruthRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.startsWith('meter,')) {
    return lines.slice(1).map((l) => {
      const [meter, ts, , measurement, counter, usage] = l.split(',');
      return { meter: meter!, ts: Number(ts), measurement: measurement as TruthRow['measurement'], counter: Number(counter), usage: Number(usage) };
    });
  }
  return lines.map((l) => JSON.parse(l) as TruthRow);
}

/** One meter's usage in one local month, as the simulator produced it. */
export interface MonthTotal {
  meter: string;
  measurement: TruthRow['measurement'];
  /** Local calendar month, 'YYYY-MM'. */
  month: string;
  usage: number;
}

/**
 * The truth summed per meter and local month: what a multi-year run is reconciled against without
 * keeping millions of rows. A row's usage is the step ending at its time, so it belongs to the
 * month holding the moment just before it.
 */
export class TruthTotals {
  private readonly sums = new Map<string, MonthTotal>();
  private readonly offsetMs: number;

  constructor(readonly file: string, utcOffsetHours: number) {
    this.offsetMs = utcOffsetHours * 3_600_000;
  }

  add(rows: readonly TruthRow[]): void {
    for (const r of rows) {
      const month = new Date(r.ts - 1 + this.offsetMs).toISOString().slice(0, 7);
      const key = `${r.meter}|${r.measurement}|${month}`;
      const t = this.sums.get(key);
      if (t) t.usage += r.usage;
      else this.sums.set(key, { meter: r.meter, measurement: r.measurement, month, usage: r.usage });
    }
  }

  close(): void {
    writeFileSync(this.file, JSON.stringify([...this.sums.values()]));
  }
}
