import type { FastifyPluginAsync } from 'fastify';
import type { PlatformService } from '../platforms/index.ts';
import { NoQuery } from './schemas.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** GET /api/v1/platforms: per platform and building, where reporting stands (docs/platforms.md). */
export const platformsRoutes = (platforms: PlatformService | null): FastifyPluginAsync => async (app) => {
  app.get('/api/v1/platforms', async (req) => {
    NoQuery.strict().parse(req.query);
    return {
      platforms: (platforms?.status() ?? []).map((p) => ({
        id: p.id, host: p.host, port: p.port, dialect: p.dialect, period_min: p.periodMin,
        connected: p.connected, authenticated: p.authenticated,
        last_error: p.lastError, last_error_at: iso(p.lastErrorAt), last_ack_at: iso(p.lastAckAt),
        counters: p.counters,
        buildings: p.buildings.map((b) => ({
          site: b.site, building: b.building, building_id: b.buildingId, gateway_id: b.gatewayId,
          connected: b.connected, authenticated: b.authenticated,
          last_error: b.lastError, last_error_at: iso(b.lastErrorAt), last_ack_at: iso(b.lastAckAt),
          last_acked_period: b.lastAcked === null ? null : { start: iso(b.lastAcked), end: iso(b.lastAcked + p.periodMin * 60_000) },
          next_period_start: iso(b.next), backlog_periods: b.backlog, waiting_for_data_at: b.waitingFor,
          counters: b.counters,
        })),
      })),
    };
  });
};
