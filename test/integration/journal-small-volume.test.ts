import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZmError } from '../../core/index.ts';
import { openJournal } from '../../gateway/journal/index.ts';
import { tempDir } from '../support/harness.ts';

// A real 2 MiB volume (tmpfs): the journal must refuse segments larger than the volume at start,
// and when the disk fills, drop only its oldest segment, never the whole backlog.
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const reading = (i: number) => ({
  meter: 'm1', ts: 1_700_000_000_000 + i * 1000,
  values: { energy_import_kwh: 1000 + i / 100, power_kw: 12.5, voltage_l1_v: 230.1, current_l1_a: 18.2, power_factor: 0.97 },
});

describe('journal on a small volume', () => {
  const tmp = tempDir('zm-small-vol-');
  const vol = path.join(tmp.dir, 'vol');
  let mounted = false;

  beforeAll(() => {
    execFileSync('mkdir', ['-p', vol]);
    mounted = mountTmpfs(vol, '2m');
    // Without privileges to mount a small volume there is nothing real to test against.
    if (!mounted) console.warn('journal-small-volume: cannot mount tmpfs here (needs root); skipped');
  });

  afterAll(() => {
    // Lazy: a journal left open by a failed assertion must not keep the mount (and the folder) around.
    if (mounted) execFileSync('umount', ['-l', vol]);
    tmp.remove();
  });

  it('refuses a segment size larger than the volume, naming journal.segmentBytes', async (ctx) => {
    if (!mounted) ctx.skip();
    await expect(openJournal({ dir: path.join(vol, 'j0'), maxBytes: 1 << 30, segmentBytes: 16 << 20, fsyncIntervalMs: 0 }))
      .rejects.toThrow(ZmError);
    await expect(openJournal({ dir: path.join(vol, 'j0'), maxBytes: 1 << 30, segmentBytes: 16 << 20, fsyncIntervalMs: 0 }))
      .rejects.toThrow(/^journal\.segmentBytes: 16 MiB segments do not fit the 2 MiB volume of .*; set journal\.segmentBytes to at most 262144$/);
  });

  it('when the disk is full, drops the oldest segment only and keeps journaling', async (ctx) => {
    if (!mounted) ctx.skip();
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
    const dir = path.join(vol, 'j1');
    // maxBytes far above the volume, as a config written for a bigger card would have it.
    // 1 MiB segments fit the volume, but two of them would be all of it: segments are sized to an
    // eighth of the volume instead.
    const j = await openJournal({ dir, maxBytes: 1 << 30, segmentBytes: 1024 * 1024, fsyncIntervalMs: 0, log });
    // Something else on the volume takes its share, as logs would on a board.
    writeFileSync(path.join(vol, 'other.log'), Buffer.alloc(256 * 1024));
    let i = 0;
    for (; i < 200_000 && !j.stats().alarms.length; i++) j.append([reading(i)]);
    const full = j.stats();
    const segments = readdirSync(dir).filter((f) => f.startsWith('seg-')).length;
    console.log(`journal on 2 MiB: full after ${i} readings; dropped ${full.droppedRecords}, kept ${full.records} in ${segments} segments`);
    expect(full.alarms.length).toBeGreaterThan(0);
    // One segment of the volume's eighth (≤ 256 KiB, about 5,000 readings) went, not the backlog.
    expect(full.droppedRecords).toBeGreaterThan(0);
    expect(full.droppedRecords).toBeLessThan(i / 4);
    expect(full.records).toBeGreaterThan(i / 2);
    for (let k = 0; k < 2000; k++) j.append([reading(i + k)]);
    const after = j.stats();
    expect(after.lastSeq).toBe(i + 2000);
    // Each later drop is again one segment at a time: what is kept stays most of the disk's worth.
    expect(after.records).toBeGreaterThan(full.records / 2);
    expect(lines.filter((l) => l.msg === 'journal full: dropped oldest segment with unacked records').every((l) => (l.lost as number) < full.records / 2)).toBe(true);
    await j.close();
  });
});
