import type { FastifyPluginAsync } from 'fastify';
import { API, type LiveReading } from '../../core/api.ts';
import { ZmError } from '../../core/index.ts';
import type { ApiContext } from './context.ts';

/** Open live streams at most; more answer 503 ERR_BUSY. */
export const LIVE_MAX_STREAMS = 200;
/** Bytes a stream may have waiting for its reader before it is closed. */
export const LIVE_MAX_BUFFERED = 1024 * 1024;

// Server-sent events: one `readings` event per stored group, after a snapshot of the newest of
// every meter. EventSource reconnects by itself, which suits dashboards left open for days.
// A reader that falls more than LIVE_MAX_BUFFERED behind (a stalled client, or one that never
// reads) is closed rather than buffered for: its EventSource reconnects and starts again from a
// snapshot, and a gateway's flood of readings cannot grow the ingestor's memory through it.
export const liveRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  // Registered as is rather than through route(): the answer is a stream, written by hand.
  app.get(API.live.path, (req, reply) => {
    const { site } = API.live.query.parse(req.query);
    if (ctx.live.subscribers() >= LIVE_MAX_STREAMS) throw new ZmError('ERR_BUSY', `${LIVE_MAX_STREAMS} live streams are open; retry later`);
    reply.raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const send = (event: 'snapshot' | 'readings', data: LiveReading[]) => reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('snapshot', ctx.live.all(site));
    const unsubscribe = ctx.live.subscribe((readings) => {
      const mine = site ? readings.filter((r) => r.site === site) : readings;
      if (!mine.length) return;
      if (reply.raw.writableLength > LIVE_MAX_BUFFERED) {
        ctx.live.droppedSlow++;
        unsubscribe();
        reply.raw.destroy();
        return;
      }
      send('readings', mine);
    });
    const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
    reply.hijack();
  });
};
