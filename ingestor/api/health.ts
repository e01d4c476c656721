import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.ts';
import { NoQuery } from './schemas.ts';

export const healthRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/healthz', async (req, reply) => {
    NoQuery.parse(req.query);
    const influx = await ctx.influx.ping();
    const usage = ctx.usage();
    reply.status(influx ? 200 : 503);
    // Usage that waits after a failure degrades the answer but not the status code: ingest still works.
    return { status: influx && usage.status !== 'degraded' ? 'ok' : 'degraded', influx: influx ? 'up' : 'down', pending_points: ctx.writer.stats.pendingPoints, usage };
  });

  app.get('/metrics', async (req, reply) => {
    NoQuery.parse(req.query);
    reply.type('text/plain; version=0.0.4');
    return ctx.metrics();
  });
};
