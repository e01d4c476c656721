import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Appender, type AppenderHooks } from '../../../../gateway/journal/appender.ts';
import { recover } from '../../../../gateway/journal/recovery.ts';
import type { Segment } from '../../../../gateway/journal/segment.ts';
import { readings, tempDir } from './fixtures/readings.ts';

const log = pino({ enabled: false });
let tmp: ReturnType<typeof tempDir>;
const open: Appender[] = [];
beforeEach(() => {
  tmp = tempDir('zm-appender-');
});
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
  tmp.remove();
});

function appender(o: { maxBytes?: number; segmentBytes?: number; syncEach?: boolean; acked?: number } = {}) {
  const drops: { seg: Segment; lost: number; why: string }[] = [];
  const unwritten: number[] = [];
  const hooks: AppenderHooks = {
    ackedSeq: () => o.acked ?? 0,
    dropped: (seg, lost, why) => drops.push({ seg, lost, why }),
    unwritten: (n) => unwritten.push(n),
  };
  const a = new Appender({ dir: tmp.dir, maxBytes: o.maxBytes ?? 1024 * 1024, segmentBytes: o.segmentBytes ?? 2 * 1024, syncEach: o.syncEach ?? false }, hooks, log, [], 0);
  open.push(a);
  return { a, drops, unwritten };
}
const files = () => readdirSync(tmp.dir).filter((f) => f.startsWith('seg-')).sort();

describe('Appender (the write side of the journal)', () => {
  it('assigns consecutive seqs and rolls to a new segment file when one is full', async () => {
    const { a } = appender();
    expect(a.append(readings(1, 10))).toEqual({ lastSeq: 10, durable: false });
    expect(a.append([])).toEqual({ lastSeq: 10, durable: false });
    for (let i = 11; i <= 200; i += 10) a.append(readings(i, 10));
    expect(a.lastSeq).toBe(200);
    expect(files().length).toBeGreaterThan(5);
    expect(files()[0]).toBe('seg-0000000000000001.log');
    // Every segment stays within its size, and the index agrees with the files.
    for (const seg of a.segments) expect(seg.size).toBeLessThanOrEqual(2 * 1024);
    expect(a.segments.reduce((n, s) => n + s.count, 0)).toBe(200);
    await a.close();
    // What recovery finds on disk is what was appended.
    const rec = recover(tmp.dir, 0, log);
    expect(rec.highestSeq).toBe(200);
    expect(rec.torn).toBe(0);
  });

  it('with syncEach an append is durable when it returns', () => {
    const { a } = appender({ syncEach: true });
    expect(a.append(readings(1, 3))).toEqual({ lastSeq: 3, durable: true });
  });

  it('holds the size bound by dropping the oldest segment, reporting its unacked records', () => {
    const { a, drops } = appender({ maxBytes: 32 * 1024, segmentBytes: 8 * 1024, acked: 5 });
    for (let i = 1; i <= 400; i += 10) a.append(readings(i, 10));
    expect(drops.length).toBeGreaterThan(0);
    const first = drops[0]!;
    expect(first.why).toBe('size bound');
    expect(first.seg.firstSeq).toBe(1);
    expect(first.lost).toBe(first.seg.count - 5);
    expect(existsSync(first.seg.file)).toBe(false);
    const total = files().reduce((n, f) => n + statSync(path.join(tmp.dir, f)).size, 0);
    expect(total).toBeLessThanOrEqual(32 * 1024);
  });

  it('removes segments wholly acked, never the active one', async () => {
    const { a } = appender();
    for (let i = 1; i <= 100; i += 10) a.append(readings(i, 10));
    await a.sync();
    const before = a.segments.length;
    const firstLast = a.segments[0]!.lastSeq;
    expect(a.removeAcked(firstLast - 1)).toBe(0);
    expect(a.removeAcked(firstLast)).toBe(1);
    expect(a.segments.length).toBe(before - 1);
    expect(a.removeAcked(1e9)).toBe(before - 2);
    expect(a.segments).toHaveLength(1);
    expect(files()).toHaveLength(1);
  });
});
