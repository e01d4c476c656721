import { describe, expect, it } from 'vitest';
import { Periods } from '../../../../ingestor/platforms/periods.ts';

describe('periods on the site clock', () => {
  it('starts an hourly period on the local full hour, also at a half-hour offset', () => {
    const cn = new Periods(60, 8);
    expect(new Date(cn.floor(Date.UTC(2025, 0, 1, 16, 59, 59))).toISOString()).toBe('2025-01-01T16:00:00.000Z');
    const india = new Periods(60, 5.5);
    // 10:29 UTC is 15:59 at +05:30: the period began at 15:00 local, 09:30 UTC.
    expect(new Date(india.floor(Date.UTC(2025, 0, 1, 10, 29))).toISOString()).toBe('2025-01-01T09:30:00.000Z');
    expect(new Periods(15, 8).floor(Date.UTC(2025, 0, 1, 0, 14, 59, 999))).toBe(Date.UTC(2025, 0, 1, 0, 0));
  });

  it('counts the periods that have ended since the next one to send', () => {
    const p = new Periods(30, 8);
    const next = Date.UTC(2025, 0, 1, 0, 0);
    expect(p.due(next, next + 29 * 60_000)).toBe(0);
    expect(p.due(next, next + 30 * 60_000)).toBe(1);
    expect(p.due(next, next + 24 * 3_600_000 + 1)).toBe(48);
    expect(p.due(next, next - 3_600_000)).toBe(0);
  });
});
