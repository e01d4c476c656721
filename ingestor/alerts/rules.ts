import type { EnergyKind, Zone } from '../../core/index.ts';
import type { AlertRule, AlertSubjectKind } from '../../core/alert-rules.ts';
import type { RuleSettings } from '../registry/alert-rules.ts';
import { DAY, HOUR, NIGHT_HOURS, type LocalCalendar } from './days.ts';

// The rules as pure functions: figures in, one condition per rule and subject out. A condition
// that cannot be judged (no data, not enough data) says so with `holds: null` and the reason,
// and leaves an alert as it is rather than firing or resolving it on no evidence.

export interface AlertMeter {
  id: string;
  site: string;
  building: string;
  kind: EnergyKind;
  zone: Zone;
  role: 'main' | 'sub';
  parent?: string;
  /** Rated maximum from the manifest (max_power_kw or max_flow_m3h), for the message. */
  rating?: number;
}

/** Usage of one local day (value in the kind's unit, seconds of it measured). */
export interface DayFigure { value: number; measuredS: number }
/** Usage of one local hour, keyed by its start (epoch ms). */
export interface HourFigure { value: number; measuredS: number }

export interface MeterUsage {
  days: Map<number, DayFigure>;
  hours: Map<number, HourFigure>;
}

export interface Condition {
  rule: AlertRule;
  site: string;
  building: string | null;
  subject: string;
  subjectKind: AlertSubjectKind;
  /** true: the rule's condition holds; false: clear; null: cannot be judged (detail says why). */
  holds: boolean | null;
  value: number | null;
  threshold: number | null;
  unit: string;
  detail: string;
}

export type SettingsOf = (m: AlertMeter) => RuleSettings;

const cond = (rule: AlertRule, m: AlertMeter, c: Pick<Condition, 'holds' | 'value' | 'threshold' | 'unit' | 'detail'>): Condition =>
  ({ rule, site: m.site, building: m.building, subject: m.id, subjectKind: 'meter', ...c });
const unknown = (rule: AlertRule, m: AlertMeter, unit: string, detail: string): Condition =>
  cond(rule, m, { holds: null, value: null, threshold: null, unit, detail });

const FULL_DAY_S = 0.95 * 86_400;
const FULL_HOUR_S = 0.9 * 3600;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const rateUnit = (kind: EnergyKind) => (kind === 'water' || kind === 'gas' ? 'm3/h' : 'kW');

/** Meters a building's quantity of a kind is taken from: its main meters, else its top-level ones. */
export function countedMeters(meters: readonly AlertMeter[]): AlertMeter[] {
  const ids = new Set(meters.map((m) => m.id));
  const out: AlertMeter[] = [];
  const groups = new Map<string, AlertMeter[]>();
  for (const m of meters) {
    const k = `${m.building}\u0000${m.kind}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(m);
  }
  for (const g of groups.values()) {
    const mains = g.filter((m) => m.role === 'main');
    // A loop, not push(...): a building's group can hold more meters than a call takes arguments.
    for (const m of mains.length ? mains : g.filter((x) => !x.parent || !ids.has(x.parent))) out.push(m);
  }
  return out;
}

/**
 * Mean usage per hour over the working days among the `lookback` local days before `before`,
 * fully measured days only; null with fewer than two such days.
 */
export function workingDayRate(u: MeterUsage | undefined, cal: LocalCalendar, before: number, lookback = 14): number | null {
  if (!u) return null;
  let sum = 0;
  let n = 0;
  for (let d = before - lookback; d < before; d++) {
    const f = u.days.get(d);
    if (f && cal.working(d) && f.measuredS >= FULL_DAY_S) {
      sum += f.value;
      n++;
    }
  }
  return n >= 2 ? sum / n / 24 : null;
}

/** The hourly figures of the night of local day `day`, in order; null for an hour not measured. */
export function nightHours(u: MeterUsage | undefined, cal: LocalCalendar, day: number): (number | null)[] {
  const start = cal.start(day);
  const out: (number | null)[] = [];
  for (let h = 0; h < NIGHT_HOURS; h++) {
    const f = u?.hours.get(start + h * HOUR);
    out.push(f && f.measuredS >= FULL_HOUR_S ? f.value : null);
  }
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function staleConditions(meters: readonly AlertMeter[], lastSeen: ReadonlyMap<string, number>, now: number, settings: SettingsOf): Condition[] {
  const out: Condition[] = [];
  for (const m of meters) {
    const s = settings(m).stale;
    if (!s.enabled) continue;
    const seen = lastSeen.get(m.id);
    if (seen === undefined) {
      out.push(cond('stale', m, { holds: true, value: null, threshold: s.minutes, unit: 'min', detail: 'no reading stored in the window looked at' }));
      continue;
    }
    const ageMin = (now - seen) / 60_000;
    out.push(cond('stale', m, { holds: ageMin > s.minutes, value: round(ageMin, 1), threshold: s.minutes, unit: 'min', detail: `last reading ${new Date(seen).toISOString()}` }));
  }
  return out;
}

export interface CounterEvent { ts: number; flag: 'counter_jump' | 'counter_decreased'; prev: number; value: number }

export function counterConditions(meters: readonly AlertMeter[], events: ReadonlyMap<string, readonly CounterEvent[]>, now: number, settings: SettingsOf): Condition[] {
  const out: Condition[] = [];
  for (const m of meters) {
    const s = settings(m).counter;
    if (!s.enabled) continue;
    const recent = (events.get(m.id) ?? []).filter((e) => e.ts <= now && e.ts > now - s.windowMin * 60_000);
    const last = recent.at(-1);
    out.push(cond('counter', m, {
      holds: recent.length > 0, value: last ? last.value : null, threshold: last ? last.prev : null, unit: '',
      detail: last
        ? `${last.flag === 'counter_jump' ? `counter jumped beyond the rated ${m.rating ?? 'default'} ${rateUnit(m.kind)}` : 'counter went back'} from ${last.prev} to ${last.value} at ${new Date(last.ts).toISOString()}; not counted in usage`
        : 'no counter jump or decrease',
    }));
  }
  return out;
}

export function nightBaseConditions(meters: readonly AlertMeter[], usage: ReadonlyMap<string, MeterUsage>, cal: LocalCalendar, now: number, settings: SettingsOf): Condition[] {
  const out: Condition[] = [];
  const night = cal.lastNight(now);
  for (const m of countedMeters(meters.filter((x) => x.kind === 'electricity'))) {
    const s = settings(m).night_base;
    if (!s.enabled) continue;
    const u = usage.get(m.id);
    const hours = nightHours(u, cal, night);
    const ref = workingDayRate(u, cal, night);
    if (hours.some((h) => h === null)) { out.push(unknown('night_base', m, '1', `the night of ${cal.iso(night)} is not fully measured`)); continue; }
    if (ref === null || ref <= 0) { out.push(unknown('night_base', m, '1', 'fewer than two fully measured working days in the last two weeks')); continue; }
    const avg = mean(hours as number[]);
    const share = avg / ref;
    out.push(cond('night_base', m, {
      holds: share > s.share, value: round(share), threshold: s.share, unit: '1',
      detail: `night of ${cal.iso(night)} 00:00–05:00: ${round(avg, 1)} kW, ${Math.round(share * 100)}% of the working-day average ${round(ref, 1)} kW`,
    }));
  }
  return out;
}

export function leakConditions(meters: readonly AlertMeter[], usage: ReadonlyMap<string, MeterUsage>, cal: LocalCalendar, now: number, settings: SettingsOf): Condition[] {
  const out: Condition[] = [];
  const night = cal.lastNight(now);
  for (const m of meters.filter((x) => x.kind === 'water')) {
    const s = settings(m).leak;
    if (!s.enabled) continue;
    const u = usage.get(m.id);
    const hours = nightHours(u, cal, night);
    if (hours.every((h) => h === null)) { out.push(unknown('leak', m, 'm3/h', `the night of ${cal.iso(night)} has no measured hour`)); continue; }
    const ref = workingDayRate(u, cal, night);
    if (s.flowM3h === undefined && ref === null) { out.push(unknown('leak', m, 'm3/h', 'fewer than two fully measured working days in the last two weeks, and no flowM3h set')); continue; }
    const threshold = s.flowM3h ?? Math.max(s.minFlowM3h, s.share * ref!);
    let run = 0;
    let longest = 0;
    for (const h of hours) {
      run = h !== null && h > threshold ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    const measured = hours.filter((h): h is number => h !== null);
    const least = Math.min(...measured);
    out.push(cond('leak', m, {
      holds: longest >= s.hours, value: round(least), threshold: round(threshold), unit: 'm3/h',
      detail: `night of ${cal.iso(night)}: ${longest} h in a row above ${round(threshold)} m³/h (least hour ${round(least)} m³/h)`,
    }));
  }
  return out;
}

export function weekendConditions(meters: readonly AlertMeter[], usage: ReadonlyMap<string, MeterUsage>, cal: LocalCalendar, now: number, settings: SettingsOf): Condition[] {
  const out: Condition[] = [];
  const today = cal.day(now);
  let off: number | null = null;
  for (let d = today - 1; d >= today - 7; d--) if (!cal.working(d)) { off = d; break; }
  for (const m of meters.filter((x) => x.kind === 'electricity')) {
    const s = settings(m).weekend;
    if (!s.enabled) continue;
    if (off === null) { out.push(unknown('weekend', m, '1', 'no weekend or holiday in the last week')); continue; }
    const u = usage.get(m.id);
    const f = u?.days.get(off);
    const ref = workingDayRate(u, cal, off);
    if (!f || f.measuredS < FULL_DAY_S) { out.push(unknown('weekend', m, '1', `${cal.iso(off)} is not fully measured`)); continue; }
    if (ref === null || ref <= 0) { out.push(unknown('weekend', m, '1', 'fewer than two fully measured working days in the two weeks before')); continue; }
    // The schedule: a working day's average against the nights of working days.
    const nights: number[] = [];
    for (let d = today - 8; d < today; d++) {
      if (!cal.working(d)) continue;
      const hs = nightHours(u, cal, d);
      if (hs.every((h) => h !== null)) nights.push(mean(hs as number[]));
    }
    if (!nights.length) { out.push(unknown('weekend', m, '1', 'no fully measured working-day night in the last week')); continue; }
    const night = mean(nights);
    if (night > 0 && ref < s.minScheduleRatio * night) {
      out.push(unknown('weekend', m, '1', `no working schedule: the working-day average is ${round(ref / night, 2)}× the night`));
      continue;
    }
    const share = f.value / 24 / ref;
    out.push(cond('weekend', m, {
      holds: share > s.share, value: round(share), threshold: s.share, unit: '1',
      detail: `${cal.iso(off)} used ${round(f.value, 1)}, ${Math.round(share * 100)}% of a mean working day (${round(ref * 24, 1)})`,
    }));
  }
  return out;
}

export function balanceConditions(meters: readonly AlertMeter[], usage: ReadonlyMap<string, MeterUsage>, cal: LocalCalendar, now: number, settings: SettingsOf): Condition[] {
  const out: Condition[] = [];
  const day = cal.day(now) - 1;
  const childrenOf = new Map<string, AlertMeter[]>();
  for (const c of meters) {
    if (!c.parent) continue;
    let list = childrenOf.get(c.parent);
    if (!list) childrenOf.set(c.parent, (list = []));
    list.push(c);
  }
  for (const p of meters) {
    const children = (childrenOf.get(p.id) ?? []).filter((c) => c.kind === p.kind && c.building === p.building);
    if (!children.length) continue;
    const s = settings(p).balance;
    if (!s.enabled) continue;
    const fp = usage.get(p.id)?.days.get(day);
    const fcs = children.map((c) => usage.get(c.id)?.days.get(day));
    if (!fp || fp.measuredS < FULL_DAY_S || fcs.some((f) => !f || f.measuredS < FULL_DAY_S)) {
      out.push(unknown('balance', p, '1', `${cal.iso(day)} is not fully measured on the parent and every sub-meter`));
      continue;
    }
    if (!(fp.value > 0)) { out.push(unknown('balance', p, '1', `the parent measured nothing on ${cal.iso(day)}`)); continue; }
    const subs = fcs.reduce((a, f) => a + f!.value, 0);
    const diff = (fp.value - subs) / fp.value;
    out.push({
      rule: 'balance', site: p.site, building: p.building, subject: p.id, subjectKind: 'meter',
      holds: Math.abs(diff) > s.share, value: round(diff), threshold: s.share, unit: '1',
      detail: `${cal.iso(day)}: parent ${round(fp.value, 1)}, ${children.length} sub-meter(s) ${round(subs, 1)}, ${diff >= 0 ? 'unmetered' : 'over'} ${Math.round(Math.abs(diff) * 100)}%`,
    });
  }
  return out;
}

export function completenessConditions(meters: readonly AlertMeter[], usage: ReadonlyMap<string, MeterUsage>, cal: LocalCalendar, now: number, settings: SettingsOf, registryThreshold: number): Condition[] {
  const out: Condition[] = [];
  const day = cal.day(now) - 1;
  for (const m of meters) {
    const s = settings(m).completeness;
    if (!s.enabled) continue;
    const u = usage.get(m.id);
    // A meter without usage before the day is taken as not installed yet, as in the indicators.
    if (!u || ![...u.days.keys()].some((d) => d < day)) continue;
    const share = Math.min(1, (u.days.get(day)?.measuredS ?? 0) / 86_400);
    const threshold = s.threshold ?? registryThreshold;
    out.push(cond('completeness', m, {
      holds: share < threshold, value: round(share), threshold, unit: '1',
      detail: `${cal.iso(day)}: ${Math.round(share * 1000) / 10}% of the day measured`,
    }));
  }
  return out;
}

export interface GatewayBacklog {
  site: string;
  gateway: string;
  /** Age of the oldest unacked journal record when the status was sent, and when that was. */
  oldestUnackedMs: number | null;
  statusTs: number;
}

export function backlogConditions(gateways: readonly GatewayBacklog[], now: number, settings: (site: string) => RuleSettings): Condition[] {
  const out: Condition[] = [];
  for (const g of gateways) {
    const s = settings(g.site).backlog;
    if (!s.enabled) continue;
    const ageMin = g.oldestUnackedMs === null ? 0 : (g.oldestUnackedMs + Math.max(0, now - g.statusTs)) / 60_000;
    out.push({
      rule: 'backlog', site: g.site, building: null, subject: g.gateway, subjectKind: 'gateway',
      holds: ageMin > s.minutes, value: round(ageMin, 1), threshold: s.minutes, unit: 'min',
      detail: g.oldestUnackedMs === null ? 'journal delivered' : `oldest undelivered journal record about ${Math.round(ageMin)} min old`,
    });
  }
  return out;
}

export interface PlanStanding {
  site: string;
  plan: string;
  indicator: string;
  baseYear: number;
  targetYear: number;
  /** The plan's total target decline (0.05 for −5%). */
  target: number;
  /** Year-to-date decline against the same months of the base year; null with the reason. */
  decline: number | null;
  reason?: string;
  /** The months compared (1–12). */
  months: number | null;
}

/** Decline due by `year` on an even (compound) path from the base year to the target. */
export function requiredDeclineBy(year: number, baseYear: number, targetYear: number, target: number): number | null {
  if (!(year > baseYear) || !(targetYear > baseYear)) return null;
  const share = Math.min(1, (year - baseYear) / (targetYear - baseYear));
  return 1 - (1 - target) ** share;
}

export function trajectoryConditions(standings: readonly PlanStanding[], year: number, settings: (site: string) => RuleSettings): Condition[] {
  const out: Condition[] = [];
  for (const p of standings) {
    const s = settings(p.site).trajectory;
    if (!s.enabled) continue;
    const base = { rule: 'trajectory' as const, site: p.site, building: null, subject: `${p.plan}/${p.indicator}`, subjectKind: 'site' as const, unit: '1' };
    const due = requiredDeclineBy(year, p.baseYear, p.targetYear, p.target);
    if (due === null || year > p.targetYear) continue;
    if (p.decline === null) {
      out.push({ ...base, holds: null, value: null, threshold: round(due, 4), detail: `year-to-date decline not available: ${p.reason ?? 'no data'}` });
      continue;
    }
    out.push({
      ...base, holds: p.decline < due - s.margin, value: round(p.decline, 4), threshold: round(due, 4),
      detail: `${year} through month ${p.months ?? '?'}: ${(p.decline * 100).toFixed(2)}% below ${p.baseYear}, the path to −${(p.target * 100).toFixed(1)}% by ${p.targetYear} needs ${(due * 100).toFixed(2)}%`,
    });
  }
  return out;
}

export { DAY, HOUR };
