import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import type { PlatformService } from '../platforms/index.ts';
import { route } from './route.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** GET /api/v1/platforms: per platform and building, where reporting stands (docs/platforms.md). */
export const platformsRoutes = (platforms: PlatformService | null): FastifyPluginAsync => async (app) => {
  route(app, API.platforms, async () => {
    return {
      platforms: (platforms?.status() ?? []).map((p) => ({
        id: p.id, host: p.host, port: p.port, dialect: p.dialect, period_min: p.periodMin,
        connected: p.connected, authenticated: p.authenticated,
        last_error: p.lastError, last_error_at: isoOrNull(p.lastErrorAt), last_ack_at: isoOrNull(p.lastAckAt),
        counters: p.counters,
        buildings: p.buildings.map((b) => ({
          site: b.site, building: b.building, building_id: b.buildingId, gateway_id: b.gatewayId,
          connected: b.connected, authenticated: b.authenticated,
          last_error: b.lastError, last_error_at: isoOrNull(b.lastErrorAt), last_ack_at: isoOrNull(b.lastAckAt),
          last_acked_period: b.lastAcked === null ? null : { start: iso(b.lastAcked), end: iso(b.lastAcked + p.periodMin * 60_000) },
          next_period_start: iso(b.next), backlog_periods: b.backlog, waiting_for_data_at: b.waitingFor,
          counters: b.counters,
        })),
      })),
    };
  });
};
