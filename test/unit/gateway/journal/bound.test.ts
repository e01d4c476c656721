import { readdirSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Journal, ALARM_DROPPED, openJournal } from '../../../../gateway/journal/index.ts';
import { readings, sdm630Reading, tempDir } from './fixtures/readings.ts';

let tmp: ReturnType<typeof tempDir>;
let lines: Record<string, unknown>[];
const open: Journal[] = [];
const MAX = 64 * 1024;

beforeEach(() => {
  tmp = tempDir('zm-journal-bound-');
  lines = [];
});
afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  tmp.remove();
});

async function journal(): Promise<Journal> {
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const j = await openJournal({ dir: tmp.dir, maxBytes: MAX, segmentBytes: 16 * 1024, fsyncIntervalMs: 0, log });
  open.push(j);
  return j;
}

describe('journal size bound', () => {
  it('drops the oldest segment when full, counts and reports it, and keeps accepting appends', async () => {
    let j = await journal();
    // About 440 bytes per framed reading: 1000 of them are ~7 times the bound.
    for (let i = 1; i <= 1000; i += 10) expect(j.append(readings(i, 10))).toBe(i + 9);
    const s = j.stats();
    expect(s.bytes).toBeLessThanOrEqual(MAX);
    expect(s.lastSeq).toBe(1000);
    expect(s.alarms).toContain(ALARM_DROPPED);
    expect(s.firstSeq).toBeGreaterThan(1);
    // Nothing was acked, so every seq below the oldest surviving one was dropped.
    expect(s.droppedRecords).toBe(s.firstSeq! - 1);
    expect(s.records).toBe(1000 - s.droppedRecords);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('seg-')).length).toBeLessThanOrEqual(4);
    const dropLog = lines.filter((l) => l.level === 50 && String(l.msg).includes('dropped oldest'));
    expect(dropLog.length).toBeGreaterThan(0);
    expect(dropLog.reduce((a, l) => a + (l.lost as number), 0)).toBe(s.droppedRecords);

    // A reader that was behind the drop resumes at the oldest surviving record.
    const recs = await j.read(0, 5, 1e9);
    expect(recs.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4].map((k) => s.firstSeq! + k));
    expect(recs[0]!.reading).toEqual(sdm630Reading(s.firstSeq!));

    // Count and alarm survive a restart; the alarm clears once the backlog is delivered.
    await j.close();
    open.length = 0;
    j = await journal();
    expect(j.stats()).toMatchObject({ droppedRecords: s.droppedRecords, alarms: [ALARM_DROPPED] });
    j.ack(1000);
    expect(j.stats().alarms).toEqual([]);
    expect(j.append(readings(1001, 1))).toBe(1001);
  });

  it('does not count acked records of a dropped segment as lost', async () => {
    const j = await journal();
    for (let i = 1; i <= 1000; i += 10) {
      j.append(readings(i, 10));
      j.ack(i + 9);
    }
    expect(j.stats()).toMatchObject({ droppedRecords: 0, alarms: [], records: 0 });
  });
});
