import { READING_MEASUREMENT } from '../store/points.ts';
import { ql, type InfluxClient } from '../store/influx.ts';
import { USAGE_1D, USAGE_1H } from '../usage/lines.ts';
import type { LocalCalendar } from './days.ts';
import type { MeterUsage } from './rules.ts';

// The InfluxDB reads of the alert rules, bounded by time and answered per meter: a site's last
// 16 local days of daily usage and 8 days of hourly usage are 16 + 192 points per meter, however
// often meters report. Raw readings are read only as last() per meter, over a bounded window.

export const DAYS_READ = 16;
export const HOURS_READ_DAYS = 8;

/** Daily and hourly usage of a site's meters, for the days before `now` the rules look at. */
export async function readUsage(influx: InfluxClient, site: string, cal: LocalCalendar, now: number): Promise<Map<string, MeterUsage>> {
  const today = cal.day(now);
  const to = cal.start(today + 1);
  const [daily, hourly] = await influx.query([
    `SELECT "value", "measured_s" FROM "${USAGE_1D}" WHERE "site" = ${ql(site)} AND time >= ${cal.start(today - DAYS_READ)}ms AND time < ${to}ms GROUP BY "meter"`,
    `SELECT "value", "measured_s" FROM "${USAGE_1H}" WHERE "site" = ${ql(site)} AND time >= ${cal.start(today - HOURS_READ_DAYS)}ms AND time < ${to}ms GROUP BY "meter"`,
  ].join('; '));
  const out = new Map<string, MeterUsage>();
  const of = (meter: string) => {
    let u = out.get(meter);
    if (!u) out.set(meter, (u = { days: new Map(), hours: new Map() }));
    return u;
  };
  for (const s of daily ?? []) {
    const u = of(s.tags?.meter ?? '');
    for (const [t, v, m] of s.values as [number, number | null, number | null][]) {
      // A meter whose tags changed has a row per tag set on a day: they add up.
      const d = cal.day(t);
      const f = u.days.get(d) ?? { value: 0, measuredS: 0 };
      u.days.set(d, { value: f.value + (v ?? 0), measuredS: f.measuredS + (m ?? 0) });
    }
  }
  for (const s of hourly ?? []) {
    const u = of(s.tags?.meter ?? '');
    for (const [t, v, m] of s.values as [number, number | null, number | null][]) {
      const f = u.hours.get(t) ?? { value: 0, measuredS: 0 };
      u.hours.set(t, { value: f.value + (v ?? 0), measuredS: f.measuredS + (m ?? 0) });
    }
  }
  return out;
}

/**
 * When each meter of a site last reported as of `at`, looking back `lookbackMs`: one last() per
 * counter field the site's meters carry, in one request.
 */
export async function readLastSeen(influx: InfluxClient, site: string, fields: readonly string[], at: number, lookbackMs: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!fields.length) return out;
  const statements = fields.map((f) => `SELECT last("${f}") FROM "${READING_MEASUREMENT}" WHERE "site" = ${ql(site)} AND time > ${at - lookbackMs}ms AND time <= ${at}ms GROUP BY "meter"`);
  const results = await influx.query(statements.join('; '));
  for (const series of results) {
    for (const s of series) {
      const meter = s.tags?.meter;
      const ts = s.values[0]?.[0];
      if (meter && typeof ts === 'number') out.set(meter, Math.max(out.get(meter) ?? 0, ts));
    }
  }
  return out;
}
