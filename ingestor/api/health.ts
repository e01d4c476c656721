import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import type { ApiContext } from './context.ts';
import { route } from './route.ts';

export const healthRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  route(app, API.health, async (_in, _req, reply) => {
    const influx = await ctx.influx.ping();
    const usage = ctx.usage();
    reply.status(influx ? 200 : 503);
    // Usage that waits after a failure degrades the answer but not the status code: ingest still works.
    return { status: influx && usage.status !== 'degraded' ? 'ok' as const : 'degraded' as const, influx: influx ? 'up' as const : 'down' as const, pending_points: ctx.writer.stats.pendingPoints, usage };
  });

  route(app, API.metrics, async (_in, _req, reply) => {
    reply.type('text/plain; version=0.0.4');
    return ctx.metrics();
  });
};
