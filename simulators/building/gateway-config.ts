import type { Endpoint, Site } from './schema.ts';
import { kindOf } from './schema.ts';

export interface GatewayConfigOptions {
  /** Where each endpoint is really served (ports chosen at start-up). */
  endpoints?: ReadonlyMap<string, Endpoint>;
  uplink?: { url: string; username?: string; password?: string };
  intervalMs?: number;
}

/**
 * A gateway config (plain object, ready for YAML) whose buses point at the simulator's endpoints
 * and whose meters carry the site's zones, end uses and hierarchy.
 */
export function gatewayConfigFor(site: Site, opts: GatewayConfigOptions = {}): Record<string, unknown> {
  const endpoint = (id: string) => opts.endpoints?.get(id) ?? site.endpoints.find((e) => e.id === id)!;
  const buses = site.endpoints.map((e) => {
    const ep = endpoint(e.id);
    switch (ep.type) {
      case 'tcp': return { id: ep.id, type: 'tcp', host: ep.host, port: ep.port };
      case 'rtu-over-tcp': return { id: ep.id, type: 'rtu-over-tcp', host: ep.host, port: ep.port };
      case 'rtu': return { id: ep.id, type: 'rtu', path: ep.path, baud: ep.baud, ...(lineParity(ep) ? { parity: lineParity(ep) } : {}) };
      case 'mqtt': return { id: ep.id, type: 'mqtt', url: ep.url, ...(ep.username ? { username: ep.username, password: ep.password } : {}) };
    }
  });
  const parents = new Set(site.buildings.flatMap((b) => b.meters.map((m) => m.parent)));
  const meters = site.buildings.flatMap((b) => b.meters.map((m) => {
    const ep = endpoint(m.endpoint);
    const mqtt = ep.type === 'mqtt';
    const protocol = ep.type === 'rtu' || ep.type === 'rtu-over-tcp' ? ep.protocol : 'modbus';
    return {
      id: m.id,
      ...(m.name ? { name: m.name } : {}),
      bus: m.endpoint,
      ...(mqtt ? {
        kind: kindOf(m),
        mqtt: { topic: tasmotaTopic(m.id), fields: { energy_import_kwh: 'ENERGY.Total', power_kw: { path: 'ENERGY.Power', scale: 0.001 }, voltage_l1_v: 'ENERGY.Voltage' } },
      } : protocol === 'mbus' ? { protocol, ...(m.secondary !== undefined ? { secondary: m.secondary } : { address: m.address }) }
        : protocol !== 'modbus' ? { protocol, address: m.address } : { unitId: m.unitId }),
      model: m.model,
      building: b.id,
      zone: m.zone,
      endUse: m.endUse,
      ...(m.facility ? { facility: m.facility } : {}),
      ...(m.parent ? { parent: m.parent } : {}),
      role: !m.parent && parents.has(m.id) ? 'main' : 'sub',
      ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
    };
  }));
  return {
    site: site.site,
    gateway: site.gateway,
    building: site.buildings[0]!.id,
    ...(opts.uplink ? { uplink: opts.uplink } : {}),
    buses,
    meters,
  };
}

/** A DL/T 645 / CJ/T 188 line is even parity unless the site says otherwise (both standards' 8E1). */
export function lineParity(ep: Endpoint): 'none' | 'even' | 'odd' | undefined {
  if (ep.type !== 'rtu') return undefined;
  return ep.parity ?? (ep.protocol === 'modbus' ? undefined : 'even');
}

/** Tasmota publishes its periodic telemetry on tele/<topic>/SENSOR. */
export function tasmotaTopic(meterId: string): string {
  return `tele/${meterId}/SENSOR`;
}
