import { describe, expect, it } from 'vitest';
import { LocalCalendar } from '../../../../ingestor/alerts/days.ts';
import {
  backlogConditions, balanceConditions, completenessConditions, countedMeters, counterConditions, leakConditions, nightBaseConditions,
  requiredDeclineBy, staleConditions, trajectoryConditions, weekendConditions, type AlertMeter, type MeterUsage,
} from '../../../../ingestor/alerts/rules.ts';
import { DEFAULT_RULES, mergeRules } from '../../../../ingestor/registry/alert-rules.ts';
import { RegistrySchema } from '../../../../ingestor/registry/schema.ts';

const H = 3_600_000;
const DAY = 24 * H;
const cal = new LocalCalendar(8 * H);
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
// Wednesday 2026-03-04, 10:00 local: the last night is that of the 4th, the last whole day the 3rd.
const NOW = Date.parse('2026-03-04T10:00:00+08:00');
const settings = () => DEFAULT_RULES;

const meter = (id: string, extra: Partial<AlertMeter> = {}): AlertMeter => ({ id, site: 's', building: 'b', kind: 'electricity', zone: 'administrative', role: 'sub', ...extra });

/**
 * Usage of a meter over the 16 days before NOW: `day(d)` its use of local day d (whole days
 * measured), `hour(d, h)` that of hour h of day d (every hour measured).
 */
function usage(day: (d: number) => number, hour: (d: number, h: number) => number, opts: { missingDay?: number; missingHour?: number } = {}): MeterUsage {
  const u: MeterUsage = { days: new Map(), hours: new Map() };
  const today = cal.day(NOW);
  for (let d = today - 16; d <= today; d++) {
    if (d < today) u.days.set(d, { value: day(d), measuredS: d === opts.missingDay ? 40_000 : 86_400 });
    for (let h = 0; h < 24; h++) {
      const t = cal.start(d) + h * H;
      if (t + H > NOW || t === opts.missingHour) continue;
      u.hours.set(t, { value: hour(d, h), measuredS: 3600 });
    }
  }
  return u;
}

describe('alert rules on figures', () => {
  it('the calendar: local days, the last night and working days (holidays from core)', () => {
    expect(cal.iso(cal.day(NOW))).toBe('2026-03-04');
    expect(cal.iso(cal.lastNight(NOW))).toBe('2026-03-04');
    expect(cal.iso(cal.lastNight(Date.parse('2026-03-04T04:00:00+08:00')))).toBe('2026-03-03');
    expect(cal.working(dayOf('2026-03-04'))).toBe(true);
    expect(cal.working(dayOf('2026-03-07'))).toBe(false);
    expect(cal.working(dayOf('2026-10-01'))).toBe(false);
  });

  it('counts main meters, else top-level ones, per building and kind', () => {
    const ms = [meter('m', { role: 'main' }), meter('a', { parent: 'm' }), meter('w1', { kind: 'water' }), meter('w2', { kind: 'water', parent: 'w1' }), meter('x', { building: 'c', parent: 'gone' })];
    expect(countedMeters(ms).map((m) => m.id).sort()).toEqual(['m', 'w1', 'x']);
  });

  it('stale: silent longer than the minutes; a meter never seen in the window is stale', () => {
    const ms = [meter('a'), meter('b'), meter('c')];
    const seen = new Map([['a', NOW - 5 * 60_000], ['b', NOW - 16 * 60_000]]);
    const c = staleConditions(ms, seen, NOW, settings);
    expect(c.map((x) => [x.subject, x.holds, x.value])).toEqual([['a', false, 5], ['b', true, 16], ['c', true, null]]);
    const off = staleConditions(ms, seen, NOW, () => mergeRules({ stale: { enabled: false } }));
    expect(off).toEqual([]);
  });

  it('counter: holds within the window after a jump or a decrease', () => {
    const ev = new Map([['a', [{ ts: NOW - 30 * 60_000, flag: 'counter_jump' as const, prev: 10, value: 99_999_999 }]], ['b', [{ ts: NOW - 2 * H, flag: 'counter_decreased' as const, prev: 10, value: 9 }]]]);
    const c = counterConditions([meter('a', { rating: 300 }), meter('b')], ev, NOW, settings);
    expect(c.map((x) => [x.subject, x.holds])).toEqual([['a', true], ['b', false]]);
    expect(c[0]!.detail).toContain('rated 300 kW');
  });

  it('night base: the 00:00–05:00 mean against the working-day mean power', () => {
    // Working days use 240 kWh (10 kW mean); nights draw 4 kW (40%) or 7 kW (70%).
    const low = usage(() => 240, () => 4);
    const high = usage(() => 240, () => 7);
    const c = nightBaseConditions([meter('lo', { role: 'main' }), meter('hi', { role: 'main', building: 'c' })], new Map([['lo', low], ['hi', high]]), cal, NOW, settings);
    expect(c.map((x) => [x.subject, x.holds, x.value])).toEqual([['lo', false, 0.4], ['hi', true, 0.7]]);
    // A night hour not measured: no judgement, with the reason.
    const gap = usage(() => 240, () => 7, { missingHour: cal.start(cal.day(NOW)) + 2 * H });
    const [g] = nightBaseConditions([meter('g', { role: 'main' })], new Map([['g', gap]]), cal, NOW, settings);
    expect(g).toMatchObject({ holds: null, value: null });
    expect(g!.detail).toMatch(/not fully measured/);
  });

  it('leak: two night hours in a row above the share of the working-day flow, or above flowM3h', () => {
    // 24 m³ a working day is 1 m³/h; 0.4 of it is the threshold.
    const normal = usage(() => 24, (_d, h) => (h < 5 ? 0.1 : 1.5));
    const leaking = usage(() => 24, (_d, h) => (h < 5 ? 0.6 : 1.5));
    const brief = usage(() => 24, (_d, h) => (h === 2 ? 0.9 : h < 5 ? 0.1 : 1.5));
    const water = (id: string) => meter(id, { kind: 'water' });
    const c = leakConditions([water('n'), water('l'), water('b')], new Map([['n', normal], ['l', leaking], ['b', brief]]), cal, NOW, settings);
    expect(c.map((x) => [x.subject, x.holds, x.threshold])).toEqual([['n', false, 0.4], ['l', true, 0.4], ['b', false, 0.4]]);
    const fixed = leakConditions([water('n')], new Map([['n', normal]]), cal, NOW, () => mergeRules({ leak: { flowM3h: 0.05 } }));
    expect(fixed[0]).toMatchObject({ holds: true, threshold: 0.05 });
  });

  it('weekend: the last weekend day against working days; meters without a schedule are not judged', () => {
    const weekday = (d: number) => cal.working(d);
    const normal = usage((d) => (weekday(d) ? 240 : 60), (d, h) => (h < 5 ? 3 : weekday(d) ? 14 : 2.5));
    const leftOn = usage(() => 240, (_d, h) => (h < 5 ? 3 : 14));
    const flat = usage(() => 240, () => 10);
    const c = weekendConditions([meter('n'), meter('l'), meter('f')], new Map([['n', normal], ['l', leftOn], ['f', flat]]), cal, NOW, settings);
    expect(c.map((x) => [x.subject, x.holds])).toEqual([['n', false], ['l', true], ['f', null]]);
    expect(c[1]!.detail).toContain('2026-03-01');
    expect(c[2]!.detail).toMatch(/no working schedule/);
  });

  it('balance: a parent against the sum of its sub-meters, whole days only', () => {
    const ms = [meter('p', { role: 'main' }), meter('a', { parent: 'p' }), meter('b', { parent: 'p' })];
    const u = (v: number, missing?: number) => usage(() => v, () => v / 24, missing === undefined ? {} : { missingDay: missing });
    const ok = balanceConditions(ms, new Map([['p', u(105)], ['a', u(50)], ['b', u(50)]]), cal, NOW, settings);
    expect(ok).toMatchObject([{ subject: 'p', holds: false, value: 0.048 }]);
    const off = balanceConditions(ms, new Map([['p', u(150)], ['a', u(50)], ['b', u(50)]]), cal, NOW, settings);
    expect(off).toMatchObject([{ holds: true, value: 0.333 }]);
    const partial = balanceConditions(ms, new Map([['p', u(150)], ['a', u(50, cal.day(NOW) - 1)], ['b', u(50)]]), cal, NOW, settings);
    expect(partial).toMatchObject([{ holds: null }]);
  });

  it('completeness: yesterday\'s measured share against the threshold; a meter new that day is not judged', () => {
    const yesterday = cal.day(NOW) - 1;
    const whole = usage(() => 1, () => 1);
    const part = usage(() => 1, () => 1, { missingDay: yesterday });
    const fresh: MeterUsage = { days: new Map([[yesterday, { value: 1, measuredS: 3600 }]]), hours: new Map() };
    const c = completenessConditions([meter('w'), meter('p'), meter('f')], new Map([['w', whole], ['p', part], ['f', fresh]]), cal, NOW, settings, 0.95);
    expect(c.map((x) => [x.subject, x.holds, x.value])).toEqual([['w', false, 1], ['p', true, 0.463]]);
  });

  it('backlog: the oldest unacked record aged since the status', () => {
    const c = backlogConditions([
      { site: 's', gateway: 'g1', oldestUnackedMs: 25 * 60_000, statusTs: NOW - 10 * 60_000 },
      { site: 's', gateway: 'g2', oldestUnackedMs: 60_000, statusTs: NOW },
      { site: 's', gateway: 'g3', oldestUnackedMs: null, statusTs: NOW },
    ], NOW, () => DEFAULT_RULES);
    expect(c.map((x) => [x.subject, x.holds, x.value])).toEqual([['g1', true, 35], ['g2', false, 1], ['g3', false, 0]]);
  });

  it('trajectory: the year-to-date decline against the even path to the target', () => {
    // 2020 → 2025, −5%: by 2023 three fifths of the way, 1 − 0.95^0.6.
    expect(requiredDeclineBy(2023, 2020, 2025, 0.05)).toBeCloseTo(1 - 0.95 ** 0.6, 12);
    expect(requiredDeclineBy(2020, 2020, 2025, 0.05)).toBeNull();
    const base = { site: 's', plan: '14th', baseYear: 2020, targetYear: 2025, target: 0.05, months: 6 };
    const c = trajectoryConditions([
      { ...base, indicator: 'kgce_per_m2', decline: 0.01 },
      { ...base, indicator: 'water_m3_per_capita', decline: 0.04 },
      { ...base, indicator: 'kgce_per_capita', decline: null, reason: 'now_incomplete' },
    ], 2023, () => DEFAULT_RULES);
    expect(c.map((x) => [x.subject, x.holds])).toEqual([['14th/kgce_per_m2', true], ['14th/water_m3_per_capita', false], ['14th/kgce_per_capita', null]]);
    expect(c[2]!.detail).toContain('now_incomplete');
  });
});

describe('alert settings in the registry', () => {
  const registry = (extra: Record<string, unknown>) => ({
    institutions: [{ id: 'i', name: 'I', type: 'office', sites: [{ id: 's', climateZone: 'cold', buildings: [{
      id: 'b', area: [{ from: '2020-01-01', m2: 100 }], zones: [{ zone: 'administrative' }], supplies: ['electricity'], ...extra,
    }] }] }],
  });

  it('merges defaults, then each narrower scope, setting by setting', () => {
    const s = mergeRules({ stale: { minutes: 30 } }, undefined, { stale: { clearMin: 5 } }, { leak: { share: 0.2 } }, { stale: { minutes: 120 } });
    expect(s.stale).toEqual({ ...DEFAULT_RULES.stale, minutes: 120, clearMin: 5 });
    expect(s.leak.share).toBe(0.2);
    expect(DEFAULT_RULES.stale.minutes).toBe(15);
  });

  it('keeps registries without alerts valid and names a wrong setting by its path', () => {
    expect(RegistrySchema.safeParse(registry({})).success).toBe(true);
    const ok = RegistrySchema.safeParse(registry({ alerts: { weekend: { share: 0.8 }, zones: { administrative: { stale: { minutes: 60 } } }, meters: { 'm-1': { leak: { flowM3h: 0.2 } } } } }));
    expect(ok.success).toBe(true);
    const bad = RegistrySchema.safeParse(registry({ alerts: { leak: { hours: 9 }, stael: {} } }));
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('institutions.0.sites.0.buildings.0.alerts.leak.hours');
    expect(bad.error!.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });
});
