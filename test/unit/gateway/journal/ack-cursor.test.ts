import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AckCursor } from '../../../../gateway/journal/ack-cursor.ts';
import { CURSOR_FILE, EMPTY_CURSOR, readCursor } from '../../../../gateway/journal/cursor.ts';
import { tempDir } from './fixtures/readings.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('zm-ackcursor-');
});
afterEach(() => tmp.remove());

describe('AckCursor (the delivery side of the journal)', () => {
  it('advances only forwards and never past the last seq', () => {
    const c = new AckCursor({ ...EMPTY_CURSOR });
    expect(c.ack(10, 50)).toBe(true);
    expect(c.ack(5, 50)).toBe(false);
    expect(c.ack(Number.NaN, 50)).toBe(false);
    expect(c.ack(12.9, 50)).toBe(true);
    expect(c.ackedSeq).toBe(12);
    expect(c.ack(80, 50)).toBe(true);
    expect(c.ackedSeq).toBe(50);
  });

  it('counts losses; the drop alarm holds until the last dropped seq is acked', () => {
    const c = new AckCursor({ ...EMPTY_CURSOR });
    c.lost(3);
    expect(c).toMatchObject({ droppedRecords: 3, alarm: false });
    c.lost(40, 100);
    expect(c).toMatchObject({ droppedRecords: 43, alarm: true });
    c.ack(99, 200);
    expect(c.alarm).toBe(true);
    c.ack(100, 200);
    expect(c.alarm).toBe(false);
  });

  it('persists to the cursor file only what changed, and reopens from it', async () => {
    const c = new AckCursor({ ...EMPTY_CURSOR });
    await c.persist(tmp.dir, 0);
    expect(existsSync(path.join(tmp.dir, CURSOR_FILE))).toBe(false);
    c.ack(7, 9);
    c.lost(2, 9);
    expect(c.persistedAcked).toBe(0);
    await c.persist(tmp.dir, 9);
    expect(c.persistedAcked).toBe(7);
    expect(readCursor(tmp.dir)).toEqual({ v: 1, ackedSeq: 7, droppedRecords: 2, lastSeq: 9, alarmUntilSeq: 9 });
    const again = new AckCursor(readCursor(tmp.dir));
    expect(again).toMatchObject({ ackedSeq: 7, persistedAcked: 7, droppedRecords: 2, alarm: true });
    // Acked past the alarm before the restart: the alarm is over.
    expect(new AckCursor({ v: 1, ackedSeq: 9, droppedRecords: 2, lastSeq: 9, alarmUntilSeq: 9 }).alarm).toBe(false);
  });

  it('a failed write is retried by the next persist', async () => {
    const c = new AckCursor({ ...EMPTY_CURSOR });
    c.ack(4, 4);
    const dir = path.join(tmp.dir, 'not-yet');
    await expect(c.persist(dir, 4)).rejects.toThrow(/ENOENT/);
    expect(c.persistedAcked).toBe(0);
    mkdirSync(dir);
    await c.persist(dir, 4);
    expect(c.persistedAcked).toBe(4);
    expect(JSON.parse(readFileSync(path.join(dir, CURSOR_FILE), 'utf8'))).toMatchObject({ ackedSeq: 4 });
  });
});
