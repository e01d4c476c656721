import type { Manifest } from '../../core/index.ts';
import { WIRE_VERSION } from '../../core/wire.ts';
import type { GatewayConfig } from '../config.ts';
import { findModel } from '../models/index.ts';

/** The gateway's meters as the ingestor needs to know them (kind, zone, end use, hierarchy). */
export function buildManifest(config: GatewayConfig, ts: number): Manifest {
  return {
    v: WIRE_VERSION,
    site: config.site,
    gateway: config.gateway,
    ts,
    meters: config.meters.map((m) => ({
      id: m.id,
      building: m.building ?? config.building,
      // config validation guarantees a kind for generic and MQTT meters and a known model otherwise
      kind: m.kind ?? findModel(m.model)!.kind,
      model: m.model,
      zone: m.zone,
      end_use: m.endUse,
      ...(m.facility ? { facility: m.facility } : {}),
      ...(m.parent ? { parent: m.parent } : {}),
      role: m.role,
      multiplier: m.ct * m.pt,
      interval_ms: m.intervalMs,
      ...(m.name ? { name: m.name } : {}),
    })),
    replacements: [],
  };
}
