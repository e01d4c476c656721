import { describe, expect, it } from 'vitest';
import {
  apportion, localYearBounds, parseUtcOffset, rollup, rollupDaily, rollupHourly, rollupMonthly, rollupYearly, type UsageInterval,
} from '../../../../ingestor/usage/index.ts';

const Q = 15 * 60_000;
const utc = (iso: string) => Date.parse(`${iso}Z`);

describe('apportion', () => {
  it.each([
    // 9 over 00:05–00:50 (45 min): 00:00 gets 10/45 → 2, 00:15 and 00:30 get 15/45 → 3 each, 00:45 gets 5/45 → 1
    { from: '2024-01-01T00:05', to: '2024-01-01T00:50', amount: 9, want: [2, 3, 3, 1] },
    // inside one bucket: all of it
    { from: '2024-01-01T00:01', to: '2024-01-01T00:14', amount: 0.7, want: [0.7] },
    // ending on a boundary: the bucket that starts there gets nothing
    { from: '2024-01-01T00:00', to: '2024-01-01T00:30', amount: 1, want: [0.5, 0.5] },
  ])('$amount over $from → $to', ({ from, to, amount, want }) => {
    const shares = apportion(utc(from), utc(to), amount);
    expect(shares.map((s) => s.value)).toEqual(want.map((w) => expect.closeTo(w, 12)));
    expect(shares[0]!.bucketStart).toBe(utc(from) - (utc(from) % Q));
  });

  it('adds up to the amount exactly', () => {
    const shares = apportion(utc('2024-01-01T00:07'), utc('2024-01-03T05:11'), 1234.567);
    expect(shares.reduce((s, x) => s + x.value, 0)).toBe(1234.567);
  });
});

describe('parseUtcOffset', () => {
  it.each([['+08:00', 480], ['-03:30', -210], ['Z', 0], [345, 345], ['+05:45', 345]] as const)('%s → %i min', (input, want) => {
    expect(parseUtcOffset(input)).toBe(want);
  });
  it.each(['8', '+8:00', '+15:00', '+08:60'])('rejects %s', (input) => {
    expect(() => parseUtcOffset(input)).toThrow(RangeError);
  });
});

describe('rollups', () => {
  // Four quarter-hours around midnight in Beijing: 15:30Z and 15:45Z are 23:30 and 23:45 on 1 Jan local,
  // 16:00Z and 16:15Z are 00:00 and 00:15 on 2 Jan local.
  const iv: UsageInterval[] = [
    { bucketStart: utc('2024-01-01T15:30'), value: 1 },
    { bucketStart: utc('2024-01-01T15:45'), value: 2, flags: ['gap'] },
    { bucketStart: utc('2024-01-01T16:00'), value: 4 },
    { bucketStart: utc('2024-01-01T16:15'), value: 8 },
  ];

  it('cuts days at local midnight (+08:00 by default)', () => {
    // 1 + 2 = 3 on 1 Jan; 4 + 8 = 12 on 2 Jan
    expect(rollupDaily(iv)).toEqual([
      { start: utc('2023-12-31T16:00'), label: '2024-01-01', value: 3, buckets: 2, flags: ['gap'] },
      { start: utc('2024-01-01T16:00'), label: '2024-01-02', value: 12, buckets: 2 },
    ]);
    // in UTC all four fall on 1 Jan: 1 + 2 + 4 + 8 = 15
    expect(rollupDaily(iv, 'Z').map((r) => [r.label, r.value])).toEqual([['2024-01-01', 15]]);
  });

  it('sums hours in local time', () => {
    // local 23:00 hour: 1 + 2 = 3; local 00:00 hour: 4 + 8 = 12
    expect(rollupHourly(iv).map((r) => [r.label, r.value])).toEqual([['2024-01-01T23', 3], ['2024-01-02T00', 12]]);
    // with a half-hour offset (+05:30) 15:30Z starts local hour 21:00: 1 + 2 + 4 + 8 = 15 in one hour
    expect(rollup(iv, 'hour', '+05:30').map((r) => [r.label, r.value])).toEqual([['2024-01-01T21', 15]]);
  });

  it('puts the last evening of a month (UTC) into the next local month and year', () => {
    const eve: UsageInterval[] = [
      { bucketStart: utc('2023-12-31T15:45'), value: 5 }, // 23:45 on 31 Dec local
      { bucketStart: utc('2023-12-31T16:00'), value: 7 }, // 00:00 on 1 Jan 2024 local
      { bucketStart: utc('2024-01-31T16:00'), value: 11 }, // 00:00 on 1 Feb local
    ];
    expect(rollupMonthly(eve).map((r) => [r.label, r.value])).toEqual([['2023-12', 5], ['2024-01', 7], ['2024-02', 11]]);
    // 2024: 7 + 11 = 18
    expect(rollupYearly(eve).map((r) => [r.label, r.value])).toEqual([['2023', 5], ['2024', 18]]);
    expect(rollupYearly(eve)[1]!.start).toBe(localYearBounds(2024).from);
  });

  it('gives a local year as UTC bounds', () => {
    expect(localYearBounds(2024)).toEqual({ from: utc('2023-12-31T16:00'), to: utc('2024-12-31T16:00') });
  });
});
