import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import { ZmError } from '../../core/index.ts';
import { coverage, energyBalance, type CoverageRate } from '../indicators/coverage.ts';
import { epochBounds, resolvePeriod } from '../indicators/period.ts';
import type { ReportingContext } from './reporting-context.ts';
import { route } from './route.ts';
import { requireSite } from './sites.ts';

const LABELS = {
  zone: { zh: '分区计量器具配备率', en: 'Zone metering coverage' },
  facility: { zh: '分项计量器具配备率', en: 'Facility (end-use) metering coverage' },
};

function sumRates(rates: CoverageRate[]): CoverageRate {
  const required = rates.reduce((s, r) => s + r.required, 0);
  const equipped = rates.reduce((s, r) => s + r.equipped, 0);
  const live = rates.reduce((s, r) => s + r.live, 0);
  return { required, equipped, live, rate: { value: required ? equipped / required : null, unit: '1' }, liveRate: { value: required ? live / required : null, unit: '1' } };
}

/**
 * Required metering points per building (zone × supplied kind, required facility × its kinds), which
 * are equipped and which live, every missing one named with its reason, and each parent meter's
 * balance against its sub-meters over a period from the daily rollups.
 */
export const coverageRoutes = (ctx: ReportingContext): FastifyPluginAsync => async (app) => {
  route(app, API.coverage, async ({ params: { site }, query: q }) => {
    const { site: s } = requireSite(ctx, site);
    const now = ctx.now();
    let period;
    try {
      period = resolvePeriod(q, s.utcOffset, now);
    } catch (err) {
      throw new ZmError('ERR_BAD_REQUEST', (err as Error).message);
    }
    const meters = ctx.directory.allMeters().filter((m) => m.site === site);
    const lastSeen: Record<string, number> = {};
    for (const m of meters) {
      const last = ctx.live.latest(site, m.id);
      if (last) lastSeen[m.id] = last.ts;
    }
    const [totals] = await ctx.totals.totals(site, [epochBounds(period, s.utcOffset)]);
    const usage: Record<string, number> = {};
    for (const r of totals ?? []) usage[r.meter] = (usage[r.meter] ?? 0) + r.quantity;
    const buildings = s.buildings.map((b) => {
      const c = coverage({ building: b, meters, lastSeen, now, liveWindowMs: q.live_window_min * 60_000 });
      return {
        building: b.id, name: b.name ?? null, zone: c.zone, facility: c.facility, points: c.points,
        missing: c.points.filter((p) => p.status !== 'live').map((p) => ({ group: p.group, zone: p.zone ?? null, facility: p.facility ?? null, kinds: p.kinds, required: p.required, status: p.status, reason: p.reason })),
        balance: energyBalance(meters.filter((m) => m.building === b.id), usage),
      };
    });
    return {
      site, now, live_window_min: q.live_window_min, labels: LABELS, balance_period: period,
      zone: sumRates(buildings.map((b) => b.zone)), facility: sumRates(buildings.map((b) => b.facility)), buildings,
    };
  });
};
