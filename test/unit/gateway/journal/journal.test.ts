import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Journal, type JournalOptions, openJournal } from '../../../../gateway/journal/index.ts';
import { bodyBytes, readings, sdm630Reading, tempDir } from './fixtures/readings.ts';

let tmp: ReturnType<typeof tempDir>;
const open: Journal[] = [];

beforeEach(() => {
  tmp = tempDir('zm-journal-');
});
afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  tmp.remove();
});

async function journal(over: Partial<JournalOptions> = {}): Promise<Journal> {
  const j = await openJournal({ dir: tmp.dir, maxBytes: 1024 * 1024, segmentBytes: 2 * 1024, fsyncIntervalMs: 0, ...over });
  open.push(j);
  return j;
}

const segmentFiles = () => readdirSync(tmp.dir).filter((f) => f.startsWith('seg-')).sort();

async function readAll(j: Journal, after = 0, page = 50): Promise<number[]> {
  const seqs: number[] = [];
  for (;;) {
    const recs = await j.read(after, page, 1024 * 1024);
    if (recs.length === 0) return seqs;
    for (const r of recs) {
      expect(r.reading).toEqual(sdm630Reading(r.seq));
      seqs.push(r.seq);
    }
    after = recs.at(-1)!.seq;
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

describe('journal', () => {
  it('round-trips appends across segment rollover, oldest first', async () => {
    const j = await journal();
    let last = 0;
    for (let i = 1; i <= 200; i += 7) last = j.append(readings(i, Math.min(7, 201 - i)));
    expect(last).toBe(200);
    expect(segmentFiles().length).toBeGreaterThan(5);
    expect(await readAll(j)).toEqual(range(1, 200));
    expect((await j.read(150, 10, 1e9)).map((r) => r.seq)).toEqual(range(151, 160));
    expect(await j.read(200, 10, 1e9)).toEqual([]);
  });

  it('honours maxBytes, yet always returns at least one record', async () => {
    const j = await journal();
    j.append(readings(1, 20));
    const one = Buffer.byteLength(JSON.stringify(sdm630Reading(1)));
    expect((await j.read(0, 100, 1)).map((r) => r.seq)).toEqual([1]);
    // Readings 1..3 differ in length by a few bytes at most; 3 full ones fit, a 4th does not.
    const three = (await j.read(0, 100, one * 3 + 10)).map((r) => r.seq);
    expect(three).toEqual([1, 2, 3]);
  });

  it('continues seqs across close and open', async () => {
    let j = await journal();
    j.append(readings(1, 10));
    await j.close();
    j = await journal();
    expect(j.stats().lastSeq).toBe(10);
    expect(j.append(readings(11, 5))).toBe(15);
    expect(await readAll(j)).toEqual(range(1, 15));
  });

  it('persists the cursor on flush and deletes fully acked segments', async () => {
    const j = await journal({ fsyncIntervalMs: 60_000 });
    j.append(readings(1, 100));
    await j.flush();
    const before = segmentFiles();
    j.ack(60);
    // Not flushed yet: a journal opened now (as after a crash) still sees the old cursor.
    const crashed = await openJournal({ dir: tmp.dir, maxBytes: 1024 * 1024, segmentBytes: 2 * 1024, fsyncIntervalMs: 0 });
    expect(crashed.stats().ackedSeq).toBe(0);
    await crashed.close();

    await j.flush();
    const after = segmentFiles();
    expect(after.length).toBeLessThan(before.length);
    const again = await openJournal({ dir: tmp.dir, maxBytes: 1024 * 1024, segmentBytes: 2 * 1024, fsyncIntervalMs: 0 });
    open.push(again);
    expect(again.stats().ackedSeq).toBe(60);
    // The segment holding seq 61 is still there; everything before it may be gone.
    expect((await again.read(60, 1, 1e9))[0]?.seq).toBe(61);
    expect(await readAll(again, 60)).toEqual(range(61, 100));
    expect(again.stats().records).toBe(40);
  });

  it('writes ack progress at most once per cursor interval, and at once on flush() or close', async () => {
    const cursorFile = path.join(tmp.dir, 'cursor.json');
    const written = () => (existsSync(cursorFile) ? (JSON.parse(readFileSync(cursorFile, 'utf8')) as { ackedSeq: number }).ackedSeq : 0);
    const j = await journal({ fsyncIntervalMs: 20, cursorIntervalMs: 400 });
    j.append(readings(1, 10));
    j.ack(3);
    await new Promise((r) => setTimeout(r, 100));
    // The periodic flush ran (the records are durable), the first cursor write too.
    expect(j.stats().durableSeq).toBe(10);
    expect(written()).toBe(3);
    j.ack(5);
    await new Promise((r) => setTimeout(r, 100));
    expect(written()).toBe(3);
    await new Promise((r) => setTimeout(r, 400));
    expect(written()).toBe(5);
    j.ack(7);
    await j.flush();
    expect(written()).toBe(7);
  });

  it('reports stats of the unacked backlog', async () => {
    const j = await journal();
    expect(j.stats()).toMatchObject({ records: 0, bytes: 0, firstSeq: null, lastSeq: 0, ackedSeq: 0, oldestUnackedTs: null, droppedRecords: 0, alarms: [] });
    j.append(readings(1, 50));
    let s = j.stats();
    expect(s).toMatchObject({ records: 50, firstSeq: 1, lastSeq: 50, ackedSeq: 0, oldestUnackedTs: sdm630Reading(1).ts });
    expect(s.bytes).toBe(segmentFiles().reduce((a, f) => a + statSync(path.join(tmp.dir, f)).size, 0));
    expect(s.bytes).toBeGreaterThan(50 * bodyBytes(sdm630Reading(1)));
    j.ack(30);
    s = j.stats();
    expect(s).toMatchObject({ records: 20, firstSeq: 31, ackedSeq: 30, oldestUnackedTs: sdm630Reading(31).ts });
    j.ack(50);
    expect(j.stats()).toMatchObject({ records: 0, firstSeq: null, oldestUnackedTs: null });
  });

  it('returns only fsynced records and wakes a waiting reader when they are', async () => {
    const j = await journal({ fsyncIntervalMs: 30 });
    j.append(readings(1, 5));
    expect(await j.read(0, 10, 1e9)).toEqual([]);
    expect(j.stats().durableSeq).toBe(0);
    expect(await j.waitForRecords(0, 5_000)).toBe(true);
    expect((await j.read(0, 10, 1e9)).map((r) => r.seq)).toEqual(range(1, 5));
    expect(await j.waitForRecords(5, 100)).toBe(false);
  });
});

