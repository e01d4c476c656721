import { unlinkSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Appender } from '../../../../gateway/journal/appender.ts';
import { readRecords } from '../../../../gateway/journal/reader.ts';
import { readings, sdm630Reading, tempDir } from './fixtures/readings.ts';

const log = pino({ enabled: false });
let tmp: ReturnType<typeof tempDir>;
let a: Appender;
beforeEach(() => {
  tmp = tempDir('zm-read-');
  a = new Appender({ dir: tmp.dir, maxBytes: 1024 * 1024, segmentBytes: 2 * 1024, syncEach: true },
    { ackedSeq: () => 0, dropped: () => undefined, unwritten: () => undefined }, log, [], 0);
  for (let i = 1; i <= 120; i += 10) a.append(readings(i, 10));
});
afterEach(async () => {
  await a.close();
  tmp.remove();
});

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
const lim = (fromSeq: number, toSeq: number, maxRecords = 1000, maxBytes = 1e9) => ({ fromSeq, toSeq, maxRecords, maxBytes });

describe('readRecords (the reading side of the journal)', () => {
  it('reads a range across segments, oldest first, the readings as appended', async () => {
    expect(a.segments.length).toBeGreaterThan(3);
    const recs = await readRecords(a.segments, lim(1, 120), log);
    expect(recs.map((r) => r.seq)).toEqual(seqs(1, 120));
    for (const r of recs) expect(r.reading).toEqual(sdm630Reading(r.seq));
    expect((await readRecords(a.segments, lim(57, 63), log)).map((r) => r.seq)).toEqual(seqs(57, 63));
  });

  it('stops at toSeq (the durable seq), maxRecords and maxBytes, yet returns one record whatever maxBytes', async () => {
    expect((await readRecords(a.segments, lim(100, 110), log)).map((r) => r.seq)).toEqual(seqs(100, 110));
    expect((await readRecords(a.segments, lim(1, 120, 7), log)).map((r) => r.seq)).toEqual(seqs(1, 7));
    expect((await readRecords(a.segments, lim(30, 120, 100, 1), log)).map((r) => r.seq)).toEqual([30]);
    const one = Buffer.byteLength(JSON.stringify(sdm630Reading(30)));
    expect((await readRecords(a.segments, lim(30, 120, 100, one * 3 + 10), log)).length).toBe(3);
    expect(await readRecords(a.segments, lim(121, 120), log)).toEqual([]);
    expect(await readRecords(a.segments, lim(1, 120, 0), log)).toEqual([]);
  });

  it('a segment deleted under it (dropped by the size bound) is skipped, not an error', async () => {
    unlinkSync(a.segments[0]!.file);
    const recs = await readRecords(a.segments, lim(1, 120), log);
    expect(recs[0]!.seq).toBe(a.segments[1]!.firstSeq);
    expect(recs.at(-1)!.seq).toBe(120);
  });
});
