import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.ts';

export const healthRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/healthz', async (_req, reply) => {
    const influx = await ctx.influx.ping();
    reply.status(influx ? 200 : 503);
    return { status: influx ? 'ok' : 'degraded', influx: influx ? 'up' : 'down', pending_points: ctx.writer.stats.pendingPoints };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type('text/plain; version=0.0.4');
    return ctx.metrics();
  });

  app.get('/api/v1/gateways', async () => {
    const now = ctx.now();
    return {
      gateways: ctx.directory.allGateways().map((g) => ({
        site: g.site, gateway: g.gateway,
        online: g.status?.state === 'online',
        status: g.status,
        last_batch_at: g.lastBatchAt, last_batch_age_ms: g.lastBatchAt === null ? null : now - g.lastBatchAt,
        last_seq: g.lastSeq, lag_ms: g.lagMs, batches: g.batches, readings: g.readings,
        meters: ctx.directory.allMeters().filter((m) => m.site === g.site && m.gateway === g.gateway).length,
      })),
    };
  });

  app.get('/api/v1/quarantine', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 1000);
    return { entries: ctx.quarantine.list({ site: q.site, gateway: q.gateway, limit }), counts: Object.fromEntries(ctx.quarantine.counts) };
  });
};
