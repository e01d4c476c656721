import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { DASHBOARD_DIR, dashboardMissing } from './assets.ts';

export interface PrebuiltDashboard {
  /** For the ingestor's build deps; absent when there is nothing to serve. */
  dashboardDir?: string;
  /** Mounts the answer for a dashboard that is not there, on the built ingestor before it listens. */
  mount(http: FastifyInstance): void;
}

/**
 * The ingestor serves a dashboard built ahead (`npm run build:dashboard`, `npm run build`) and
 * builds nothing at start-up. When none was built it still runs, says once in the log how to build
 * one, and `/` answers 404 with the same words instead of a bare "no route".
 */
export function prebuiltDashboard(log: Logger, dir = DASHBOARD_DIR): PrebuiltDashboard {
  const missing = dashboardMissing(dir);
  if (!missing) return { dashboardDir: dir, mount: () => undefined };
  log.warn({ dir }, missing);
  return {
    mount(http) {
      http.get('/', (_req, reply) => reply.status(404).send({ code: 'ERR_NOT_FOUND', message: missing }));
    },
  };
}
