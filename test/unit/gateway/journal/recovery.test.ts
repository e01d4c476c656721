import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Journal, openJournal } from '../../../../gateway/journal/index.ts';
import { bodyBytes, readings, sdm630Reading, tempDir } from './fixtures/readings.ts';

let tmp: ReturnType<typeof tempDir>;
let lines: Record<string, unknown>[];
const open: Journal[] = [];

beforeEach(() => {
  tmp = tempDir('zm-journal-rec-');
  lines = [];
});
afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  tmp.remove();
});

async function journal(): Promise<Journal> {
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const j = await openJournal({ dir: tmp.dir, maxBytes: 1024 * 1024, segmentBytes: 256 * 1024, fsyncIntervalMs: 0, log });
  open.push(j);
  return j;
}

const FRAME_HEADER = 16;
const frameBytes = (i: number) => FRAME_HEADER + bodyBytes(sdm630Reading(i));
const offsetOf = (seq: number) => Array.from({ length: seq - 1 }, (_, k) => frameBytes(k + 1)).reduce((a, n) => a + n, 0);
const segmentFiles = () => readdirSync(tmp.dir).filter((f) => f.startsWith('seg-')).sort();

async function seqs(j: Journal): Promise<number[]> {
  const recs = await j.read(0, 10_000, 1e9);
  for (const r of recs) expect(r.reading).toEqual(sdm630Reading(r.seq));
  return recs.map((r) => r.seq);
}

async function writeTwenty(): Promise<string> {
  const j = await journal();
  j.append(readings(1, 20));
  await j.close();
  open.length = 0;
  lines = [];
  const files = segmentFiles();
  expect(files).toHaveLength(1);
  return path.join(tmp.dir, files[0]!);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

describe('journal recovery', () => {
  it('skips a record torn in the middle, keeps every earlier one, logs it, and appends to a fresh segment', async () => {
    const file = await writeTwenty();
    const torn = offsetOf(20);
    expect(statSync(file).size).toBe(torn + frameBytes(20));
    truncateSync(file, torn + 40);

    const j = await journal();
    expect(j.stats()).toMatchObject({ tornRecordsSkipped: 1, lastSeq: 19, records: 19 });
    expect(await seqs(j)).toEqual(range(1, 19));
    const warn = lines.find((l) => l.level === 40 && l.offset === torn);
    expect(warn).toMatchObject({ file, segment: path.basename(file), msg: expect.stringContaining('torn') });

    expect(j.append(readings(20, 3))).toBe(22);
    expect(statSync(file).size).toBe(torn + 40);
    expect(segmentFiles()).toHaveLength(2);
    expect(await seqs(j)).toEqual(range(1, 22));
  });

  it('skips a record whose length field was cut short', async () => {
    const file = await writeTwenty();
    truncateSync(file, offsetOf(20) + 3);
    const j = await journal();
    expect(j.stats().tornRecordsSkipped).toBe(1);
    expect(await seqs(j)).toEqual(range(1, 19));
  });

  it('catches a corrupt byte inside a record by checksum and keeps the records after it', async () => {
    const file = await writeTwenty();
    const bytes = readFileSync(file);
    const at = offsetOf(10) + FRAME_HEADER + 30;
    bytes[at] = bytes[at]! ^ 0x04;
    writeFileSync(file, bytes);

    const j = await journal();
    expect(j.stats().tornRecordsSkipped).toBe(1);
    expect(await seqs(j)).toEqual([...range(1, 9), ...range(11, 20)]);
    expect(lines.find((l) => l.level === 40 && l.offset === offsetOf(10))).toMatchObject({ reason: 'checksum mismatch' });
    // The gap is a missing record, not a reason to stop: reading across it continues.
    expect((await j.read(9, 1, 1e9)).map((r) => r.seq)).toEqual([11]);
  });

  it('drops the rest of a segment when a length field is garbage', async () => {
    const file = await writeTwenty();
    const bytes = readFileSync(file);
    bytes.writeUInt32LE(0xfffffff0, offsetOf(15));
    writeFileSync(file, bytes);

    const j = await journal();
    expect(j.stats().tornRecordsSkipped).toBe(1);
    expect(await seqs(j)).toEqual(range(1, 14));
    // Seqs continue after the highest readable one; nothing is written after the garbage.
    expect(j.append(readings(15, 1))).toBe(15);
    expect(statSync(file).size).toBe(bytes.length);
  });

  it('starts over from the oldest record when the cursor file is unreadable', async () => {
    let j = await journal();
    j.append(readings(1, 5));
    j.ack(3);
    await j.close();
    open.length = 0;
    writeFileSync(path.join(tmp.dir, 'cursor.json'), '{"v":1,"acked');
    j = await journal();
    expect(j.stats().ackedSeq).toBe(0);
    expect(lines.some((l) => l.level === 50 && String(l.msg).includes('cursor'))).toBe(true);
    expect(await seqs(j)).toEqual(range(1, 5));
  });
});
