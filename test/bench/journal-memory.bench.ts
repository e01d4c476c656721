// Journal memory and throughput: RSS with an empty journal versus a 1M-reading backlog on disk,
// the append rate, and the drain rate of read()+ack() over the whole backlog.
// Run: npx tsx test/bench/journal-memory.bench.ts [readings]
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { openJournal } from '../../gateway/journal/index.ts';
import { readings, tempDir } from '../unit/gateway/journal/fixtures/readings.ts';

export interface JournalBenchResult {
  readings: number;
  bytesOnDisk: number;
  rssEmptyMb: number;
  rssTenthMb: number;
  rssFullMb: number;
  rssDrainedMb: number;
  heapEmptyMb: number;
  heapFullMb: number;
  appendPerSec: number;
  drainPerSec: number;
  gc: boolean;
}

const APPEND_BATCH = 500;
const READ_RECORDS = 5_000;
const READ_BYTES = 4 * 1024 * 1024;

// --expose-gc when given; otherwise the flag can still be set at run time and gc() fetched
// from a fresh context. Without either, figures are plain RSS.
function findGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

const mb = (n: number) => Math.round((n / (1024 * 1024)) * 10) / 10;

function memory(gc: (() => void) | null): { rss: number; heap: number } {
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rss: mb(m.rss), heap: mb(m.heapUsed) };
}

export async function run(total = 1_000_000): Promise<JournalBenchResult> {
  const gc = findGc();
  const tmp = tempDir('zm-journal-bench-');
  try {
    const journal = await openJournal({
      dir: tmp.dir,
      maxBytes: 4 * 1024 * 1024 * 1024,
      segmentBytes: 16 * 1024 * 1024,
      fsyncIntervalMs: 1000,
    });
    const empty = memory(gc);

    let appendNs = 0n;
    // A checkpoint at a tenth of the backlog tells allocator warm-up (same at 10% and 100%)
    // apart from growth with the backlog (which would show as a difference between them).
    const tenth = Math.floor(total / 10 / APPEND_BATCH) * APPEND_BATCH;
    let atTenth = empty;
    for (let i = 1; i <= total; i += APPEND_BATCH) {
      if (i - 1 === tenth) atTenth = memory(gc);
      // Building readings is the poller's cost, not the journal's: only append() is timed.
      const batch = readings(i, Math.min(APPEND_BATCH, total - i + 1));
      const t = process.hrtime.bigint();
      journal.append(batch);
      appendNs += process.hrtime.bigint() - t;
    }
    const t = process.hrtime.bigint();
    await journal.flush();
    appendNs += process.hrtime.bigint() - t;
    const full = memory(gc);
    const bytesOnDisk = journal.stats().bytes;

    const d0 = process.hrtime.bigint();
    let drained = 0;
    for (let after = 0; ;) {
      const recs = await journal.read(after, READ_RECORDS, READ_BYTES);
      if (recs.length === 0) break;
      after = recs.at(-1)!.seq;
      journal.ack(after);
      drained += recs.length;
    }
    await journal.flush();
    const drainNs = process.hrtime.bigint() - d0;
    if (drained !== total) throw new Error(`drained ${drained} of ${total} readings`);
    const drainedMem = memory(gc);
    await journal.close();

    return {
      readings: total,
      bytesOnDisk,
      rssEmptyMb: empty.rss,
      rssTenthMb: atTenth.rss,
      rssFullMb: full.rss,
      rssDrainedMb: drainedMem.rss,
      heapEmptyMb: empty.heap,
      heapFullMb: full.heap,
      appendPerSec: Math.round(total / (Number(appendNs) / 1e9)),
      drainPerSec: Math.round(total / (Number(drainNs) / 1e9)),
      gc: gc !== null,
    };
  } finally {
    tmp.remove();
  }
}

function print(r: JournalBenchResult): void {
  const rows: [string, string][] = [
    ['readings on disk', `${r.readings.toLocaleString('en')} (${mb(r.bytesOnDisk)} MB)`],
    [`RSS, 0 buffered${r.gc ? ' (after GC)' : ''}`, `${r.rssEmptyMb} MB (heap ${r.heapEmptyMb} MB)`],
    [`RSS, ${(r.readings / 10).toLocaleString('en')} buffered`, `${r.rssTenthMb} MB`],
    [`RSS, ${r.readings.toLocaleString('en')} buffered`, `${r.rssFullMb} MB (heap ${r.heapFullMb} MB)`],
    ['RSS, after drain', `${r.rssDrainedMb} MB`],
    ['append', `${r.appendPerSec.toLocaleString('en')} readings/s`],
    ['drain (read+ack)', `${r.drainPerSec.toLocaleString('en')} readings/s`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log(JSON.stringify({ bench: 'journal-memory', ...r }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1_000_000);
  print(await run(Number.isInteger(n) && n > 0 ? n : 1_000_000));
}
