import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import { readSiteReport } from '../reports/read.ts';
import type { ReportingContext } from './reporting-context.ts';
import { route } from './route.ts';
import { expectedMeters, requireRegistry } from './sites.ts';

export const indicatorsRoutes = (ctx: ReportingContext): FastifyPluginAsync => async (app) => {
  route(app, API.indicators, async ({ params: { site }, query: q }) => {
    const parentOf = (id: string) => ctx.directory.meter(site, id)?.parent;
    return readSiteReport((x, p) => ctx.totals.totals(x, p), requireRegistry(ctx), site, q, { parentOf, meters: expectedMeters(ctx, site), now: ctx.now() });
  });
};
