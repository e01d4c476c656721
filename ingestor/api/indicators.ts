import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { IsoDate } from '../registry/schema.ts';
import { readSiteReport } from '../reports/read.ts';
import { Flag, Year } from './query-params.ts';
import type { ReportingContext } from './reporting-context.ts';
import { SiteParams, expectedMeters, requireRegistry } from './sites.ts';

export const IndicatorsQuery = z.object({
  year: Year.optional(),
  from: IsoDate.optional().describe('local date YYYY-MM-DD, inclusive'),
  to: IsoDate.optional().describe('local date YYYY-MM-DD, exclusive'),
  ytd: Flag.optional(),
  through: z.coerce.number().int().min(1).max(12).optional().describe('year-to-date through this month'),
});

export const indicatorsRoutes = (ctx: ReportingContext): FastifyPluginAsync => async (app) => {
  app.get('/api/v1/sites/:site/indicators', async (req) => {
    const { site } = SiteParams.parse(req.params);
    const q = IndicatorsQuery.parse(req.query);
    const parentOf = (id: string) => ctx.directory.meter(site, id)?.parent;
    return readSiteReport((x, p) => ctx.totals.totals(x, p), requireRegistry(ctx), site, q, { parentOf, meters: expectedMeters(ctx, site), now: ctx.now() });
  });
};
