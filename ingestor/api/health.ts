import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.ts';
import { NoQuery } from './schemas.ts';

export const healthRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/healthz', async (req, reply) => {
    NoQuery.parse(req.query);
    const influx = await ctx.influx.ping();
    reply.status(influx ? 200 : 503);
    return { status: influx ? 'ok' : 'degraded', influx: influx ? 'up' : 'down', pending_points: ctx.writer.stats.pendingPoints };
  });

  app.get('/metrics', async (req, reply) => {
    NoQuery.parse(req.query);
    reply.type('text/plain; version=0.0.4');
    return ctx.metrics();
  });
};
