import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import type { AlertService } from '../alerts/service.ts';
import { requireToken } from './auth.ts';
import { route } from './route.ts';

export const alertsRoutes = (alerts: AlertService, token: string | undefined): FastifyPluginAsync => async (app) => {
  route(app, API.alerts, async ({ query: q }) => ({ alerts: alerts.list(q), counts: alerts.store.counts() }));

  // Acknowledging changes what every operator sees and is sent to the webhooks: it needs the token.
  route(app, API.alertAck, async ({ params: { id }, body: { note, by } }) => alerts.ack(id, note, by), { preHandler: requireToken(token) });
};
