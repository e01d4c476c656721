import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import { parseConfig } from '../../core/index.ts';
import { GatewayConfigSchema, type GatewayConfig } from '../../gateway/config.ts';
import { findModel } from '../../gateway/models/index.ts';
import { IngestorConfigSchema, applyEnv, type IngestorConfig } from '../../ingestor/config.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';

// An office day: night base load, ramp in the morning, lunch dip, evening tail (site time UTC+8).
function officeLoad(baseKw: number, peakKw: number): (t: number) => number {
  return (t) => {
    const h = ((t / 3_600_000 + 8) % 24 + 24) % 24;
    const day = new Date(t + 8 * 3_600_000).getUTCDay();
    const working = day !== 0 && day !== 6;
    const shape = !working ? 0.1 : h < 7 ? 0 : h < 9 ? (h - 7) / 2 : h < 12 ? 1 : h < 13.5 ? 0.75 : h < 18 ? 1 : h < 21 ? (21 - h) / 3 : 0;
    return baseKw + (peakKw - baseKw) * shape;
  };
}

export interface SpineSetup {
  sim: MeterSimulator;
  gateway: GatewayConfig;
  ingestor: IngestorConfig;
}

/** A small office building on one Modbus TCP line: a main meter and two sub-meters. */
export async function spineSetup(opts: { varDir: string; influxUrl: string; env: NodeJS.ProcessEnv; log: Logger }): Promise<SpineSetup> {
  const sdm630 = findModel('SDM630')!;
  const sim = await startMeterSimulator({
    seed: 2020,
    tcp: { host: '127.0.0.1', port: 0 },
    meters: [
      { unitId: 1, model: sdm630, inputs: { power_kw: officeLoad(18, 95) }, counters: { energy_import_kwh: 412_337 } },
      { unitId: 2, model: sdm630, inputs: { power_kw: officeLoad(4, 42) }, counters: { energy_import_kwh: 150_020 } },
      { unitId: 3, model: sdm630, inputs: { power_kw: officeLoad(12, 14) }, counters: { energy_import_kwh: 98_410 } },
    ],
  });
  const password = randomBytes(18).toString('base64url');
  const mqttPort = Number(opts.env.ZM_MQTT_PORT ?? 1883);
  const ingestor = parseConfig(IngestorConfigSchema, applyEnv({
    http: { host: '127.0.0.1', port: 8080 },
    mqtt: { host: '127.0.0.1', port: 1883 },
    influx: { url: opts.influxUrl },
    dataDir: path.join(opts.varDir, 'ingestor'),
    gateways: [{ id: 'gw-1', site: 'demo', passwordHash: await hashPassword(password) }],
  }, opts.env), 'demo ingestor');
  const gateway = parseConfig(GatewayConfigSchema, {
    site: 'demo',
    gateway: 'gw-1',
    building: 'main',
    http: opts.env.ZM_GATEWAY_HTTP ?? '127.0.0.1:8081',
    uplink: { url: `mqtt://127.0.0.1:${mqttPort}`, username: 'gw-1', password },
    journal: { dir: path.join(opts.varDir, 'gateway', 'journal') },
    buses: [{ id: 'tcp-1', type: 'tcp', host: sim.tcp!.host, port: sim.tcp!.port }],
    meters: [
      { id: 'main-elec', name: 'Main incomer', bus: 'tcp-1', unitId: 1, model: 'SDM630', zone: 'administrative', endUse: 'total', role: 'main' },
      { id: 'office-light', name: 'Office lighting & sockets', bus: 'tcp-1', unitId: 2, model: 'SDM630', zone: 'administrative', endUse: 'lighting_sockets', parent: 'main-elec' },
      { id: 'server-room', name: 'Server room', bus: 'tcp-1', unitId: 3, model: 'SDM630', zone: 'business', endUse: 'special', facility: 'data_center', parent: 'main-elec' },
    ],
  }, 'demo gateway');
  return { sim, gateway, ingestor };
}
