import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJournal } from '../../../../gateway/journal/index.ts';
import { sdm630Reading, tempDir } from './fixtures/readings.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
const appender = path.join(import.meta.dirname, 'fixtures', 'appender.ts');

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('zm-journal-crash-');
});
afterEach(() => tmp.remove());

/** Runs the appender until it has reported `minSeq` (plus a random extra moment), then SIGKILLs it. */
function runAndKill(dir: string, minSeq: number): Promise<{ opened: number; lastReported: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', appender, dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let opened = -1;
    let lastReported = 0;
    let killing = false;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('open ')) opened = Number(line.slice(5));
        else lastReported = Number(line);
      }
      if (!killing && lastReported >= minSeq) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 50);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`appender exited with ${code}: ${err}`));
      // Lines already in the pipe were written before the kill: they count as reported.
      else {
        if (out && !out.startsWith('open ')) lastReported = Math.max(lastReported, Number(out));
        resolve({ opened, lastReported });
      }
    });
  });
}

describe('journal crash safety', () => {
  it('keeps every record reported durable across repeated SIGKILLs, in order, without duplicates', async () => {
    let reported = 0;
    for (let round = 1; round <= 3; round++) {
      const { opened, lastReported } = await runAndKill(tmp.dir, reported + 2_000);
      // A restarted appender continues after everything it had reported before.
      expect(opened).toBeGreaterThanOrEqual(reported);
      expect(lastReported).toBeGreaterThan(reported);
      reported = lastReported;
    }

    const j = await openJournal({ dir: tmp.dir, maxBytes: 256 * 1024 * 1024, segmentBytes: 256 * 1024, fsyncIntervalMs: 0 });
    try {
      const seqs: number[] = [];
      for (let after = 0; ;) {
        const recs = await j.read(after, 5_000, 16 * 1024 * 1024);
        if (recs.length === 0) break;
        for (const r of recs) {
          // The appender puts reading i under seq i: content proves no record moved or mixed.
          expect(r.reading).toEqual(sdm630Reading(r.seq));
          seqs.push(r.seq);
        }
        after = recs.at(-1)!.seq;
      }
      expect(seqs.length).toBeGreaterThanOrEqual(reported);
      expect(seqs.every((s, k) => s === k + 1)).toBe(true);
      expect(j.stats().lastSeq).toBe(seqs.length);
      expect(j.append([sdm630Reading(seqs.length + 1)])).toBe(seqs.length + 1);
    } finally {
      await j.close();
    }
  }, 60_000);
});
