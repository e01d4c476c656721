import type { FastifyPluginAsync } from 'fastify';
import type { ReportingContext } from './reporting-context.ts';
import { coverageRoutes } from './coverage.ts';
import { indicatorsRoutes } from './indicators.ts';
import { reportsRoutes } from './reports.ts';
import { sitesRoutes } from './sites.ts';
import { usageRoutes } from './usage.ts';

/** The routes built on derived usage and the registry, registered together. */
export const reportingRoutes = (ctx: ReportingContext): FastifyPluginAsync => async (app) => {
  await app.register(usageRoutes(ctx));
  await app.register(sitesRoutes(ctx));
  await app.register(indicatorsRoutes(ctx));
  await app.register(coverageRoutes(ctx));
  await app.register(reportsRoutes(ctx));
};
