import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.ts';
import { SiteQuery } from './schemas.ts';

// Server-sent events: one `readings` event per stored group, after a snapshot of the newest of
// every meter. EventSource reconnects by itself, which suits dashboards left open for days.
export const liveRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/api/v1/live', (req, reply) => {
    const { site } = SiteQuery.parse(req.query);
    reply.raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const send = (event: string, data: unknown) => reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('snapshot', ctx.live.all(site));
    const unsubscribe = ctx.live.subscribe((readings) => {
      const mine = site ? readings.filter((r) => r.site === site) : readings;
      if (mine.length) send('readings', mine);
    });
    const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
    reply.hijack();
  });
};
