import { describe, expect, it } from 'vitest';
import type { Replacement } from '../../../../core/index.ts';
import { computeUsage, type CounterPoint, type UsageInterval, type UsageOptions } from '../../../../ingestor/usage/index.ts';

// 2024-01-01T00:00Z; `t('00:20')` is 20 minutes later.
const T0 = Date.UTC(2024, 0, 1);
const t = (hhmm: string) => T0 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * 60_000;
const pts = (...pairs: [string, number][]): CounterPoint[] => pairs.map(([at, value]) => ({ ts: t(at), value }));
const swap = (at: string, oldFinal: number, newFirst: number, meter = 'm1'): Replacement => ({
  meter, at: t(at), old_final: { energy_import_kwh: oldFinal }, new_first: { energy_import_kwh: newFirst },
});

interface Case {
  name: string;
  points: CounterPoint[];
  options?: UsageOptions;
  /** [bucket start hh:mm, value, flags?] */
  want: [string, number, string[]?][];
}

const cases: Case[] = [
  {
    name: 'normal deltas, one per bucket',
    points: pts(['00:00', 100], ['00:15', 102.5], ['00:30', 104]),
    // 102.5 − 100 = 2.5 in 00:00; 104 − 102.5 = 1.5 in 00:15
    want: [['00:00', 2.5], ['00:15', 1.5]],
  },
  {
    name: 'a delta across a boundary is split by time',
    points: pts(['00:10', 100], ['00:20', 106]),
    // 6 kWh over 10 min: 00:10–00:15 is 5/10 → 3; 00:15–00:20 is 5/10 → 3
    want: [['00:00', 3], ['00:15', 3]],
  },
  {
    name: 'a gap loses nothing: the next value carries it, spread evenly',
    points: pts(['00:00', 100], ['01:00', 112]),
    // 112 − 100 = 12 over 60 min → 12 × 15/60 = 3 in each of four buckets
    want: [['00:00', 3, ['gap']], ['00:15', 3, ['gap']], ['00:30', 3, ['gap']], ['00:45', 3, ['gap']]],
  },
  {
    name: 'a reading on a boundary closes the bucket before it',
    points: pts(['00:00', 10], ['00:15', 11], ['00:30', 11]),
    // 11 − 10 = 1 in 00:00; 11 − 11 = 0 in 00:15 (metered, nothing used)
    want: [['00:00', 1], ['00:15', 0]],
  },
  {
    name: 'rollover at the register maximum',
    points: pts(['00:00', 999_999.5], ['00:15', 0.7]),
    options: { rolloverMax: 1_000_000 },
    // 1 000 000 − 999 999.5 + 0.7 = 1.2
    want: [['00:00', 1.2, ['rollover']]],
  },
  {
    name: 'rollover on a uint32 register with scale 0.01',
    points: pts(['00:00', 42_949_672.9], ['00:15', 0.05]),
    options: { rolloverMax: 2 ** 32 * 0.01 },
    // 2^32 × 0.01 = 42 949 672.96; 42 949 672.96 − 42 949 672.90 + 0.05 = 0.11
    want: [['00:00', 0.11, ['rollover']]],
  },
  {
    name: 'meter replacement: old meter to its final reading, new meter from its first',
    points: pts(['00:00', 5000], ['00:15', 1.2]),
    options: { measurement: 'energy_import_kwh', meter: 'm1', replacements: [swap('00:10', 5003, 0.2), swap('00:10', 1, 2, 'other')] },
    // (5003 − 5000) + (1.2 − 0.2) = 3 + 1 = 4; the other meter's record does not apply
    want: [['00:00', 4, ['replacement']]],
  },
  {
    name: 'two replacements between two readings chain',
    points: pts(['00:00', 5000], ['00:15', 3]),
    options: { measurement: 'energy_import_kwh', replacements: [swap('00:12', 10, 1), swap('00:05', 5002, 0)] },
    // (5002 − 5000) + (10 − 0) + (3 − 1) = 2 + 10 + 2 = 14
    want: [['00:00', 14, ['replacement']]],
  },
  {
    name: 'a replacement record that contradicts the readings is not guessed at',
    points: pts(['00:00', 5000], ['00:15', 2], ['00:30', 3]),
    options: { measurement: 'energy_import_kwh', replacements: [swap('00:10', 4990, 0)] },
    // old_final 4990 < 5000 already read → not counted; then 3 − 2 = 1
    want: [['00:00', 0, ['implausible']], ['00:15', 1]],
  },
  {
    name: 'reset to near zero without a record counts from zero',
    points: pts(['00:00', 5000], ['00:15', 0.3]),
    // no rate limit: near zero is ≤ 1% of 5000 = 50; 0.3 ≤ 50 → counted 0.3
    want: [['00:00', 0.3, ['reset']]],
  },
  {
    name: 'reset judged against the rate limit when one is known',
    points: pts(['00:00', 5000], ['00:15', 20]),
    options: { maxRatePerHour: 100 },
    // 100 kWh/h × 0.25 h = 25; 20 ≤ 25 → reset, counted 20
    want: [['00:00', 20, ['reset']]],
  },
  {
    name: 'a drop that is neither rollover nor reset is not counted, and the higher reading is kept',
    points: pts(['00:00', 5000], ['00:15', 4990], ['00:30', 5004]),
    options: { maxRatePerHour: 100, rolloverMax: 1_000_000 },
    // 4990 < 5000, 4990 > 25, 5000 not near 1e6 → flagged, 0; then 5004 − 5000 = 4 over 00:00–00:30 → 2 + 2,
    // spread over two buckets from one step, hence 'gap'; the drop was read in the 00:00 bucket's step
    want: [['00:00', 2, ['counter_decreased', 'gap']], ['00:15', 2, ['gap']]],
  },
  {
    name: 'a jump beyond the rated maximum is not counted; a counter that stays at the new level is re-based on it',
    points: pts(['00:00', 100], ['00:15', 10_100], ['00:30', 10_105]),
    options: { maxRatePerHour: 100 },
    // 10 000 > 100 × 0.25 = 25 → refused; 10 105 continues from 10 100 (5 ≤ 25): 0 up to the jump, then 5
    want: [['00:00', 0, ['counter_jump']], ['00:15', 5]],
  },
  {
    name: 'a register stuck at a wrong value for several reads is not taken as the new level',
    points: pts(['00:00', 100], ['00:05', 99_999_999], ['00:10', 99_999_999], ['00:20', 104]),
    options: { maxRatePerHour: 100 },
    // both wrong reads refused; 104 − 100 = 4 over 00:00–00:20 → 3 in 00:00, 1 in 00:15
    want: [['00:00', 3], ['00:15', 1]],
  },
  {
    name: 'a one-reading spike is refused and the next reading counts from before it',
    points: pts(['00:00', 100], ['00:15', 99_999_999], ['00:30', 106]),
    options: { maxRatePerHour: 100 },
    // 99 999 899 > 25 → refused; 106 − 100 = 6 over 00:00–00:30 → 3 + 3 (one step across two buckets)
    want: [['00:00', 3, ['gap']], ['00:15', 3, ['gap']]],
  },
  {
    name: 'a wrap that would be too much energy is a counter jump, not a rollover',
    points: pts(['00:00', 950_000], ['00:15', 10]),
    options: { rolloverMax: 1_000_000, maxRatePerHour: 100 },
    // 1 000 000 − 950 000 + 10 = 50 010 > 25: nothing counted until a reading confirms the new level
    want: [],
  },
  {
    name: 'duplicates and out-of-order points are ignored',
    points: pts(['00:00', 100], ['00:15', 101], ['00:15', 101], ['00:10', 100.5], ['00:30', 103]),
    // 101 − 100 = 1; 103 − 101 = 2
    want: [['00:00', 1], ['00:15', 2]],
  },
  {
    name: 'hourly buckets',
    points: pts(['00:30', 0], ['01:30', 10]),
    options: { bucketMs: 3_600_000 },
    // 10 over 60 min: 30 min in 00:00 → 5, 30 min in 01:00 → 5
    want: [['00:00', 5], ['01:00', 5]],
  },
];

const sum = (iv: UsageInterval[]) => iv.reduce((s, i) => s + i.value, 0);

describe('computeUsage', () => {
  it.each(cases)('$name', ({ points, options, want }) => {
    const r = computeUsage(points, options);
    expect(r.intervals.map((i) => i.bucketStart)).toEqual(want.map(([at]) => t(at)));
    r.intervals.forEach((iv, k) => {
      const [, value, flags] = want[k]!;
      expect(iv.value).toBeCloseTo(value, 6);
      expect(iv.flags?.slice().sort()).toEqual(flags?.slice().sort());
    });
  });

  it('reports each discontinuity as an event and counts ignored points', () => {
    const r = computeUsage(pts(['00:00', 100], ['00:15', 10_100], ['00:15', 5], ['00:30', 10_101]), { maxRatePerHour: 100 });
    expect(r.events).toEqual([{ ts: t('00:15'), flag: 'counter_jump', prev: 100, value: 10_100, counted: 0 }]);
    expect(r.ignored).toBe(1);
    expect(r.state).toMatchObject({ ts: t('00:30'), value: 10_101 });
  });

  it('needs two readings before it can say anything', () => {
    const r = computeUsage(pts(['00:07', 100]));
    expect(r.intervals).toEqual([]);
    expect(r.state).toEqual({ ts: t('00:07'), value: 100 });
  });

  it('continues across batches exactly as one run would', () => {
    const all = pts(['00:00', 100], ['00:05', 101], ['00:20', 103], ['00:40', 110], ['01:10', 116]);
    const whole = computeUsage(all);
    // 00:00 = 1 + 2 × 10/15 = 2.3333; 00:15 = 2 × 5/15 + 7 × 10/20 = 4.1667;
    // 00:30 = 3.5 + 6 × 5/30 = 4.5; 00:45 = 6 × 15/30 = 3 (gap); 01:00 = 6 × 10/30 = 2
    expect(whole.intervals.map((i) => +i.value.toFixed(4))).toEqual([2.3333, 4.1667, 4.5, 3, 2]);
    for (let cut = 0; cut <= all.length; cut++) {
      const first = computeUsage(all.slice(0, cut));
      // The state travels as JSON between batches.
      const second = computeUsage(all.slice(cut), {}, JSON.parse(JSON.stringify(first.state ?? null)) ?? undefined);
      const merged = new Map<number, number>();
      for (const iv of [...first.intervals, ...second.intervals]) merged.set(iv.bucketStart, iv.value);
      expect([...merged.values()].map((v) => +v.toFixed(4)), `cut at ${cut}`).toEqual([2.3333, 4.1667, 4.5, 3, 2]);
      expect(second.state).toEqual(whole.state);
    }
  });

  it('applies a replacement once, even when the next batch starts after it', () => {
    const options: UsageOptions = { measurement: 'energy_import_kwh', replacements: [swap('00:10', 5003, 0)] };
    const a = computeUsage(pts(['00:00', 5000], ['00:15', 1]), options);
    const b = computeUsage(pts(['00:30', 2]), options, a.state);
    // a: (5003 − 5000) + (1 − 0) = 4; b: 2 − 1 = 1, no second replacement
    expect(sum(a.intervals)).toBeCloseTo(4, 9);
    expect(b.intervals).toEqual([{ bucketStart: t('00:15'), value: 1 }]);
  });

  it('rejects a bucket size that does not divide a day', () => {
    expect(() => computeUsage([], { bucketMs: 7 * 60_000 })).toThrow(/divides a day/);
  });
});
