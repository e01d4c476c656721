import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import type { ApiContext } from './context.ts';
import { route } from './route.ts';

// Quarantine is kept, never deleted through the API: it is the record of what was refused and why.
// Answers are paged (at most `limit` entries, each payload a bounded sample), so one request can
// never pull the whole store.
export const quarantineRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  route(app, API.quarantine, async ({ query: q }) => {
    const entries = ctx.quarantine.list(q);
    const last = entries.at(-1);
    const more = last !== undefined && entries.length === q.limit && ctx.quarantine.list({ ...q, limit: 1, before: last.id }).length > 0;
    return { entries, counts: Object.fromEntries(ctx.quarantine.counts), next_before: more ? last.id : null };
  });
};
