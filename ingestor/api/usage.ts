import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import { ENERGY_KINDS, ZmError, type EnergyKind } from '../../core/index.ts';
import { ql } from '../store/influx.ts';
import { USAGE_15M, USAGE_1D, USAGE_1H } from '../usage/lines.ts';
import type { ReportingContext } from './reporting-context.ts';
import { route } from './route.ts';

const INTERVALS = {
  '15m': { ms: 15 * 60_000, measurement: USAGE_15M },
  '1h': { ms: 3_600_000, measurement: USAGE_1H },
  '1d': { ms: 86_400_000, measurement: USAGE_1D },
} as const;
const MAX_POINTS_PER_SERIES = 100_000;

/**
 * Usage summed per interval and group, from the rollup that matches the interval, so a year by day
 * reads one point per meter and day. Kinds are never added together: each series is one kind in its unit.
 */
export const usageRoutes = (ctx: ReportingContext): FastifyPluginAsync => async (app) => {
  route(app, API.usage, async ({ query: q }) => {
    const iv = INTERVALS[q.interval];
    if ((q.to - q.from) / iv.ms > MAX_POINTS_PER_SERIES) {
      throw new ZmError('ERR_BAD_REQUEST', `from–to spans more than ${MAX_POINTS_PER_SERIES} intervals of ${q.interval}; use a longer interval`);
    }
    // Interval boundaries on the site's local clock: a 1d interval starts at local midnight.
    const offsetMs = ((-Math.round(ctx.utcOffsetHours * 3_600_000) % iv.ms) + iv.ms) % iv.ms;
    const where = [
      `"site" = ${ql(q.site)}`,
      ...(q.building ? [`"building" = ${ql(q.building)}`] : []),
      ...(q.role !== 'all' ? [`"role" = ${ql(q.role)}`] : []),
      `time >= ${q.from}ms`, `time < ${q.to}ms`,
    ].join(' AND ');
    const groupTags = q.by === 'kind' ? ['kind'] : ['kind', q.by];
    const sql = `SELECT sum("value") FROM "${iv.measurement}" WHERE ${where} GROUP BY time(${iv.ms}ms${offsetMs ? `, ${offsetMs}ms` : ''}), ${groupTags.map((t) => `"${t}"`).join(', ')} fill(none)`;
    const [series] = await ctx.influx.query(sql);
    const out = (series ?? []).map((s) => {
      const kind = (s.tags?.kind ?? 'other') as EnergyKind;
      const unit = ENERGY_KINDS[kind]?.unit ?? '';
      const points = s.values.map((v) => ({ ts: v[0] as number, time: new Date(v[0] as number).toISOString(), value: v[1] as number }));
      return {
        kind,
        ...(q.by !== 'kind' ? { [q.by]: s.tags?.[q.by] ?? '' } : {}),
        unit,
        total: { value: points.reduce((a, p) => a + p.value, 0), unit },
        points,
      };
    });
    return { site: q.site, from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), interval: q.interval, by: q.by, role: q.role, series: out };
  });
};
