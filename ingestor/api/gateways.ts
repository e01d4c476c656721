import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import { ZmError, topics } from '../../core/index.ts';
import { requireToken } from './auth.ts';
import type { ApiContext } from './context.ts';
import { route } from './route.ts';

export const gatewaysRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  route(app, API.gateways, async ({ query: { site } }) => {
    const now = ctx.now();
    return {
      gateways: ctx.directory.allGateways().filter((g) => !site || g.site === site).map((g) => ({
        site: g.site, gateway: g.gateway,
        online: g.status?.state === 'online',
        status: g.status,
        last_batch_at: g.lastBatchAt, last_batch_age_ms: g.lastBatchAt === null ? null : now - g.lastBatchAt,
        last_seq: g.lastSeq, lag_ms: g.lagMs, batches: g.batches, readings: g.readings,
        meters: ctx.directory.allMeters().filter((m) => m.site === g.site && m.gateway === g.gateway).length,
        refused_meters: ctx.directory.refusedClaims().filter((c) => c.site === g.site && c.gateway === g.gateway)
          .map((c) => ({ meter: c.meter, owner: c.owner, at: c.at })),
      })),
    };
  });

  // An operator's manifest for a gateway that cannot publish its own. It is also published
  // retained on the gateway's manifest topic, so every replica (external mode) learns it and a
  // restarted broker's subscribers get it again.
  route(app, API.manifest, async ({ params: { site, gateway }, body: manifest }) => {
    if (manifest.site !== site || manifest.gateway !== gateway) {
      throw new ZmError('ERR_BAD_REQUEST', `the manifest names ${manifest.site}/${manifest.gateway}, the path ${site}/${gateway}`);
    }
    const { fresh } = ctx.directory.setManifest(manifest);
    await ctx.bus.publish(topics.manifest(site, gateway), JSON.stringify(manifest), { qos: 1, retain: true });
    return { site, gateway, meters: manifest.meters.length, new_replacements: fresh.length };
  }, { preHandler: requireToken(ctx.token) });

  // Re-homing a meter is the one way to move it between gateways: manifests alone never can.
  route(app, API.meterOwner, async ({ params: { site, id }, body: { gateway } }) => {
    const r = ctx.directory.rehome(site, id, gateway);
    if (r.pinned) throw new ZmError('ERR_CONFLICT', `meter "${id}" is pinned to gateway "${r.previous}" in the ingestor config (gateways[].meters); change it there`);
    return { site, meter: id, gateway, previous: r.previous };
  }, { preHandler: requireToken(ctx.token) });
};
