import type { FastifyPluginAsync } from 'fastify';
import type { ReportingContext } from './reporting-context.ts';
import { usageRoutes } from './usage.ts';

/** The routes built on derived usage and the registry, registered together. */
export const reportingRoutes = (ctx: ReportingContext): FastifyPluginAsync => async (app) => {
  await app.register(usageRoutes(ctx));
};
