import { describe, expect, it } from 'vitest';
import { BatchSchema } from '../../../../core/index.ts';
import { cutBatch } from '../../../../gateway/uplink/batch.ts';
import type { JournalRecord } from '../../../../gateway/journal/types.ts';

const records = (n: number): JournalRecord[] => Array.from({ length: n }, (_, i) => ({
  seq: 101 + i, reading: { meter: 'm1', ts: 1_700_000_000_000 + i * 1000, values: { energy_import_kwh: 1000 + i / 100, power_kw: 12.5 } },
}));

describe('cutBatch (what one publish carries)', () => {
  it('carries every record when the payload fits; its seq is the last record\'s', () => {
    const { payload, count, splits } = cutBatch('s', 'g', 5, records(50), 1e6);
    expect({ count, splits }).toEqual({ count: 50, splits: 0 });
    const batch = BatchSchema.parse(JSON.parse(payload));
    expect(batch).toMatchObject({ site: 's', gateway: 'g', seq: 150, sent: 5 });
    expect(batch.readings).toHaveLength(50);
  });

  it('cuts a prefix until the whole payload, envelope included, fits the budget', () => {
    const all = JSON.stringify({ readings: records(500).map((r) => r.reading) }).length;
    const budget = Math.floor(all / 3);
    const { payload, count, splits } = cutBatch('s', 'g', 5, records(500), budget);
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(budget);
    expect(splits).toBeGreaterThan(0);
    expect(count).toBeGreaterThan(100);
    const batch = JSON.parse(payload) as { seq: number; readings: unknown[] };
    expect(batch.seq).toBe(100 + count);
    expect(batch.readings).toHaveLength(count);
  });

  it('sends one record whatever its size', () => {
    expect(cutBatch('s', 'g', 5, records(3), 10).count).toBe(1);
  });
});
