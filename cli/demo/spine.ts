import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import { parseConfig } from '../../core/index.ts';
import { GatewayConfigSchema, type GatewayConfig } from '../../gateway/config.ts';
import { IngestorConfigSchema, applyEnv, type IngestorConfig } from '../../ingestor/config.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import { gatewayConfigFor } from '../../simulators/building/gateway-config.ts';
import { startBuilding, type Building } from '../../simulators/building/index.ts';
import { loadSite, type Site } from '../../simulators/building/schema.ts';
import { assetPath } from '../assets.ts';

export const DEMO_SITE_FILE = assetPath('simulators/building/examples/demo-site.yaml');
export const DEMO_REGISTRY_FILE = assetPath('ingestor/registry/examples/demo-site.yaml');

export interface SpineSetup {
  site: Site;
  sim: Building;
  gateway: GatewayConfig;
  ingestor: IngestorConfig;
  /** The gateway's MQTT credentials, which the backfill publishes with too. */
  password: string;
}

/** The bundled demo site, live in real time, with a gateway polling it and an ingestor behind. */
export async function spineSetup(opts: { varDir: string; influxUrl: string; env: NodeJS.ProcessEnv; log: Logger }): Promise<SpineSetup> {
  const site = loadSite(DEMO_SITE_FILE);
  const sim = await startBuilding(site);
  try {
    const password = randomBytes(18).toString('base64url');
    const mqttPort = Number(opts.env.ZM_MQTT_PORT ?? 1883);
    const ingestor = parseConfig(IngestorConfigSchema, applyEnv({
      http: { host: '127.0.0.1', port: 8080 },
      mqtt: { host: '127.0.0.1', port: 1883 },
      influx: { url: opts.influxUrl },
      dataDir: path.join(opts.varDir, 'ingestor'),
      registry: DEMO_REGISTRY_FILE,
      gateways: [{ id: site.gateway, site: site.site, passwordHash: await hashPassword(password) }],
      // The demo's scheduled faults should show within seconds of happening.
      alerts: { evaluateEverySeconds: 10 },
    }, opts.env), 'demo ingestor');
    const gateway = parseConfig(GatewayConfigSchema, {
      ...gatewayConfigFor(site, { endpoints: sim.endpoints, intervalMs: 5000 }),
      http: opts.env.ZM_GATEWAY_HTTP ?? '127.0.0.1:8081',
      uplink: { url: `mqtt://127.0.0.1:${mqttPort}`, username: site.gateway, password },
      journal: { dir: path.join(opts.varDir, 'gateway', 'journal') },
    }, 'demo gateway');
    return { site, sim, gateway, ingestor, password };
  } catch (err) {
    await sim.close();
    throw err;
  }
}
