import mqtt, { type MqttClient } from 'mqtt';
import type { Replacement } from '../../core/index.ts';
import { findModel } from '../../gateway/models/index.ts';
import { SimClock } from '../meter/clock.ts';
import type { Fault } from '../meter/faults.ts';
import { SimMeter } from '../meter/meter.ts';
import { serveRtuOverTcp } from '../meter/rtu-over-tcp.ts';
import { serveRtuSerial } from '../meter/rtu-serial.ts';
import { serveTcp } from '../meter/tcp.ts';
import { CounterWalk } from './counters.ts';
import { tasmotaTopic } from './gateway-config.ts';
import { BuildingModel, type ModelMeter } from './model.ts';
import type { Endpoint, Site } from './schema.ts';

export interface BuildingOptions {
  clock?: { start?: number; speed?: number; frozen?: boolean };
}

export interface Building {
  readonly model: BuildingModel;
  readonly clock: SimClock;
  /** Endpoints as served, with the ports really bound. */
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  meter(id: string): SimMeter;
  fault(id: string, f: Fault | null): void;
  /** Swaps a meter: its counter restarts at `newFirst`; returns what a manifest carries. */
  replace(id: string, newFirst: number): Replacement;
  readonly replacements: Replacement[];
  close(): Promise<void>;
}

/** Starts every meter of a site on its endpoints, counters continuing the site's history. */
export async function startBuilding(site: Site, opts: BuildingOptions = {}): Promise<Building> {
  const model = new BuildingModel(site);
  const clock = new SimClock(opts.clock);
  const walk = new CounterWalk(model);
  walk.advanceTo(clock.now());
  const replacements: Replacement[] = [...walk.replacements];
  const rate = (m: ModelMeter) => (t: number) => model.rates(t)[m.index]!;
  const sims = new Map<string, SimMeter>();
  const byEndpoint = new Map<string, Map<number, SimMeter>>();
  for (const m of model.meters) {
    const ep = site.endpoints.find((e) => e.id === m.spec.endpoint)!;
    const inputs = m.kind === 'electricity' ? { power_kw: rate(m), power_factor: 0.93 }
      : { flow_m3h: rate(m), supply_temp_c: site.heating.supplyC, return_temp_c: site.heating.returnC };
    const model_ = ep.type === 'mqtt' ? undefined : findModel(m.spec.model);
    const sim = new SimMeter({ unitId: m.spec.unitId ?? 1, ...(model_ ? { model: model_ } : { kind: m.kind, registers: [] }), inputs, counters: walk.values(m) }, clock, site.seed);
    sims.set(m.id, sim);
    if (ep.type !== 'mqtt') {
      const line = byEndpoint.get(ep.id) ?? new Map<number, SimMeter>();
      line.set(m.spec.unitId!, sim);
      byEndpoint.set(ep.id, line);
    }
  }
  const closers: Array<() => Promise<void>> = [];
  const served = new Map<string, Endpoint>();
  try {
    for (const ep of site.endpoints) {
      const line = byEndpoint.get(ep.id) ?? new Map<number, SimMeter>();
      if (ep.type === 'tcp') {
        const s = await serveTcp(line, site.seed, ep.host, ep.port);
        closers.push(s.close);
        served.set(ep.id, { ...ep, port: s.port });
      } else if (ep.type === 'rtu-over-tcp') {
        const s = await serveRtuOverTcp(line, site.seed, ep.host, ep.port);
        closers.push(s.close);
        served.set(ep.id, { ...ep, port: s.port });
      } else if (ep.type === 'rtu') {
        const s = await serveRtuSerial(line, site.seed, ep.path, ep.baud);
        closers.push(s.close);
        served.set(ep.id, ep);
      } else {
        const meters = model.meters.filter((m) => m.spec.endpoint === ep.id);
        const client = await mqtt.connectAsync(ep.url, { username: ep.username, password: ep.password, reconnectPeriod: 1000 });
        const timer = setInterval(() => publishTasmota(client, meters, sims, clock), ep.periodS * 1000);
        closers.push(async () => { clearInterval(timer); await client.endAsync(); });
        served.set(ep.id, ep);
      }
    }
  } catch (err) {
    await Promise.allSettled(closers.map((c) => c()));
    throw err;
  }
  const meter = (id: string) => {
    const s = sims.get(id);
    if (!s) throw new RangeError(`no meter "${id}"`);
    return s;
  };
  return {
    model, clock, endpoints: served, replacements, meter,
    fault: (id, f) => void meter(id).fault(f),
    replace(id, newFirst) {
      const m = model.meter(id);
      const sim = meter(id);
      const oldFinal = { [m.primary]: sim.state()[m.primary]! };
      sim.setCounter(m.primary, newFirst);
      const r: Replacement = { meter: id, at: Math.round(clock.now()), old_final: oldFinal, new_first: { [m.primary]: newFirst } };
      replacements.push(r);
      return r;
    },
    async close() {
      await Promise.allSettled(closers.splice(0).reverse().map((c) => c()));
    },
  };
}

// Tasmota's SENSOR telegram: energy in kWh, power in W, local time without an offset.
function publishTasmota(client: MqttClient, meters: ModelMeter[], sims: Map<string, SimMeter>, clock: SimClock): void {
  for (const m of meters) {
    const s = sims.get(m.id)!.state();
    const payload = {
      Time: new Date(clock.now() + 8 * 3_600_000).toISOString().slice(0, 19),
      ENERGY: { Total: Math.round((s.energy_import_kwh ?? 0) * 1000) / 1000, Power: Math.round((s.power_kw ?? 0) * 1000), Voltage: Math.round(s.voltage_l1_v ?? 230) },
    };
    client.publish(tasmotaTopic(m.id), JSON.stringify(payload));
  }
}
