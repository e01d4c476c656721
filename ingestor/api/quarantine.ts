import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.ts';
import { QuarantineQuery } from './schemas.ts';

// Quarantine is kept, never deleted through the API: it is the record of what was refused and why.
export const quarantineRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/api/v1/quarantine', async (req) => {
    const q = QuarantineQuery.parse(req.query);
    return { entries: ctx.quarantine.list(q), counts: Object.fromEntries(ctx.quarantine.counts) };
  });
};
