import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import { MEASUREMENTS, ZmError, isMeasurementKey } from '../../core/index.ts';
import { READING_MEASUREMENT } from '../store/points.ts';
import { ql, rows } from '../store/influx.ts';
import type { ApiContext } from './context.ts';
import { route } from './route.ts';
const TAGS = new Set(['site', 'building', 'gateway', 'meter', 'kind', 'zone', 'end_use']);

export const metersRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  route(app, API.meters, async ({ query: { site } }) => {
    const now = ctx.now();
    const meters = ctx.directory.allMeters().filter((m) => !site || m.site === site).map((m) => {
      const last = ctx.live.latest(m.site, m.id);
      return {
        id: m.id, site: m.site, building: m.building, gateway: m.gateway, name: m.name ?? null,
        kind: m.kind, model: m.model, zone: m.zone, end_use: m.end_use, facility: m.facility ?? null,
        parent: m.parent ?? null, role: m.role,
        last_reading: last ? { ts: last.ts, age_ms: now - last.ts, values: last.values, quality: last.quality ?? {} } : null,
      };
    });
    return { meters };
  });

  // The latest stored reading, read back from InfluxDB: what this returns is what was stored.
  route(app, API.latest, async ({ params: { id }, query: { site } }) => {
    const where = [`"meter" = ${ql(id)}`, ...(site ? [`"site" = ${ql(site)}`] : [])].join(' AND ');
    const [series] = await ctx.influx.query(`SELECT * FROM "${READING_MEASUREMENT}" WHERE ${where} ORDER BY time DESC LIMIT 1`);
    const row = rows(series?.[0])[0];
    if (!row) throw new ZmError('ERR_NOT_FOUND', `no readings stored for meter "${id}"`);
    const values: Record<string, number> = {};
    const units: Record<string, string> = {};
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(row)) {
      if (k === 'time') continue;
      if (TAGS.has(k)) {
        if (typeof v === 'string') tags[k] = v;
      } else if (typeof v === 'number' && isMeasurementKey(k)) {
        values[k] = v;
        units[k] = MEASUREMENTS[k].unit;
      }
    }
    const ts = row.time as number;
    return { meter: id, ...tags, ts, time: new Date(ts).toISOString(), values, units };
  });
};
