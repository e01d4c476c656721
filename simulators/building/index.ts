import type { Replacement } from '../../core/index.ts';
import { findModel } from '../../gateway/models/index.ts';
import { SimClock } from '../meter/clock.ts';
import type { Fault } from '../meter/faults.ts';
import { SimMeter } from '../meter/meter.ts';
import { serveRtuOverTcp } from '../meter/rtu-over-tcp.ts';
import { serveRtuSerial } from '../meter/rtu-serial.ts';
import { serveTcp } from '../meter/tcp.ts';
import { SerialSimMeter, serveSerialOverTcp, serveSerialRtu } from '../meter/serial-line.ts';
import { MbusSlave, serveMbusOverTcp, serveMbusSerial } from '../meter/mbus/index.ts';
import { lineParity } from './gateway-config.ts';
import { mbusModel, serialModel } from './schema.ts';
import { CounterWalk } from './counters.ts';
import { BuildingModel, type LoadEffect, type ModelMeter } from './model.ts';
import { connectBroker, publishTasmota } from './mqtt-meters.ts';
import type { BuildingFault, Endpoint, FaultSpec, Site } from './schema.ts';

export interface BuildingOptions {
  clock?: { start?: number; speed?: number; frozen?: boolean };
  /** Scheduled faults to apply (default: the site's `faults`). */
  faults?: readonly FaultSpec[];
  /** Called when a fault is applied or cleared (scheduled or on demand), e.g. to log it. */
  onFault?(event: { meter: string; fault: BuildingFault | null; scheduled: boolean }): void;
}

/** What a meter shows right now, for the control API. */
export interface MeterStatus {
  id: string;
  building: string;
  endpoint: string;
  unitId: number | null;
  kind: string;
  primary: string;
  fault: BuildingFault | null;
  /** The endpoint is down (a link drop on any of its meters). */
  linkDown: boolean;
  values: Record<string, number>;
}

export interface Building {
  readonly model: BuildingModel;
  readonly clock: SimClock;
  /** Simulated time at start-up; scheduled faults count their minutes from it. */
  readonly started: number;
  /** Endpoints as served, with the ports really bound. */
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  meter(id: string): SimMeter;
  /**
   * Applies a fault to a meter (null clears every fault of the meter and brings its link back).
   * `forMs` (simulated time) clears it again by itself. Returns what a rollover wraps at, if any.
   */
  fault(id: string, f: BuildingFault | Fault | null, forMs?: number): Promise<{ wrapAt?: number; replacement?: Replacement }>;
  /** Swaps a meter: its counter restarts at `newFirst`; returns what a manifest carries. */
  replace(id: string, newFirst: number): Replacement;
  readonly replacements: Replacement[];
  status(): MeterStatus[];
  close(): Promise<void>;
}

interface Served {
  close(): Promise<void>;
}

interface Link {
  readonly ep: Endpoint;
  served: Served | null;
  /** Meters whose link_drop holds the endpoint down. */
  readonly droppedBy: Set<string>;
  start(): Promise<Served>;
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
  const faults = new Map<string, BuildingFault>();
  const byEndpoint = new Map<string, Map<number, SimMeter>>();
  // DL/T 645 / CJ/T 188 meters: framed by their own protocol, their values from the same SimMeter.
  const serialByEndpoint = new Map<string, SerialSimMeter[]>();
  const serialMeters = new Map<string, SerialSimMeter>();
  // M-Bus slaves: telegrams filled from the same SimMeter, so the site's history holds.
  const mbusByEndpoint = new Map<string, MbusSlave[]>();
  const mbusSlaves = new Map<string, MbusSlave>();
  const protocolOf = (ep: Endpoint) => (ep.type === 'rtu' || ep.type === 'rtu-over-tcp' ? ep.protocol : 'modbus');
  for (const m of model.meters) {
    const ep = site.endpoints.find((e) => e.id === m.spec.endpoint)!;
    const proto = protocolOf(ep);
    if (proto === 'mbus') {
      const sim = new SimMeter({ unitId: 1, kind: m.kind, registers: [], inputs: { flow_m3h: rate(m), supply_temp_c: site.heating.supplyC, return_temp_c: site.heating.returnC },
        counters: walk.values(m) }, clock, site.seed);
      sims.set(m.id, sim);
      const slave = new MbusSlave({
        model: mbusModel(m.spec.model)!, address: m.spec.address === undefined ? 0 : Number(m.spec.address),
        ...(m.spec.secondary !== undefined ? { secondary: m.spec.secondary } : {}), source: sim, utcOffsetHours: site.utcOffsetHours,
      }, clock, site.seed);
      mbusSlaves.set(m.id, slave);
      mbusByEndpoint.set(ep.id, [...(mbusByEndpoint.get(ep.id) ?? []), slave]);
      continue;
    }
    if (proto !== 'modbus') {
      const sim = new SimMeter({ unitId: 1, kind: m.kind, registers: [], inputs: m.kind === 'electricity' ? { power_kw: rate(m), power_factor: 0.93 }
        : { flow_m3h: rate(m), supply_temp_c: site.heating.supplyC, return_temp_c: site.heating.returnC }, counters: walk.values(m) }, clock, site.seed);
      sims.set(m.id, sim);
      const serial = new SerialSimMeter({ model: serialModel(proto, m.spec.model)!, address: m.spec.address!, source: sim }, clock, site.seed, m.index);
      serialMeters.set(m.id, serial);
      serialByEndpoint.set(ep.id, [...(serialByEndpoint.get(ep.id) ?? []), serial]);
      continue;
    }
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
  const links = new Map<string, Link>();
  const served = new Map<string, Endpoint>();
  const link = (ep: Endpoint, start: (port: number) => Promise<Served & { port?: number }>): Link => {
    const l: Link = {
      ep, served: null, droppedBy: new Set(),
      async start() {
        // A link that comes back does so on the port it had, as a rebooted bridge would.
        const port = (served.get(ep.id) as { port?: number } | undefined)?.port ?? (ep as { port?: number }).port ?? 0;
        const s = await start(port);
        served.set(ep.id, s.port === undefined ? ep : { ...ep, port: s.port } as Endpoint);
        return s;
      },
    };
    links.set(ep.id, l);
    return l;
  };
  for (const ep of site.endpoints) {
    const line = byEndpoint.get(ep.id) ?? new Map<number, SimMeter>();
    const proto = protocolOf(ep);
    if (proto === 'mbus') {
      const slaves = mbusByEndpoint.get(ep.id) ?? [];
      if (ep.type === 'rtu') link(ep, () => serveMbusSerial(slaves, ep.path, { baudRate: ep.baud, parity: lineParity(ep) ?? 'even' }));
      else if (ep.type === 'rtu-over-tcp') link(ep, (port) => serveMbusOverTcp(slaves, ep.host, port));
      continue;
    }
    if (proto !== 'modbus') {
      const meters = serialByEndpoint.get(ep.id) ?? [];
      if (ep.type === 'rtu') link(ep, () => serveSerialRtu(proto, meters, ep.path, { baudRate: ep.baud, parity: lineParity(ep) ?? 'even' }));
      else if (ep.type === 'rtu-over-tcp') link(ep, (port) => serveSerialOverTcp(proto, meters, ep.host, port));
      continue;
    }
    if (ep.type === 'tcp') {
      link(ep, async (port) => {
        const s = await serveTcp(line, site.seed, ep.host, port);
        // ServerTCP's close waits for open sockets: drop them first.
        return { port: s.port, close: async () => { s.dropConnections(); await s.close(); } };
      });
    } else if (ep.type === 'rtu-over-tcp') {
      link(ep, (port) => serveRtuOverTcp(line, site.seed, ep.host, port));
    } else if (ep.type === 'rtu') {
      link(ep, () => serveRtuSerial(line, site.seed, ep.path, ep.baud));
    } else {
      const meters = model.meters.filter((m) => m.spec.endpoint === ep.id);
      link(ep, async () => {
        const client = await connectBroker(ep.url, ep.username, ep.password);
        const timer = setInterval(() => publishTasmota(client, meters, sims, clock, site), ep.periodS * 1000);
        return { close: async () => { clearInterval(timer); await client.endAsync(true); } };
      });
    }
  }
  try {
    for (const l of links.values()) l.served = await l.start();
  } catch (err) {
    await Promise.allSettled([...links.values()].map((l) => l.served?.close()));
    throw err;
  }

  const meter = (id: string) => {
    const s = sims.get(id);
    if (!s) throw new RangeError(`no meter "${id}"`);
    return s;
  };
  const linkOf = (id: string) => links.get(model.meter(id).spec.endpoint)!;
  // Starting and stopping a link is async; one at a time per link keeps them from crossing.
  const linkQueue = new Map<string, Promise<void>>();
  const onLink = (l: Link, job: () => Promise<void>) => {
    const next = (linkQueue.get(l.ep.id) ?? Promise.resolve()).then(job, job);
    linkQueue.set(l.ep.id, next.catch(() => undefined));
    return next;
  };
  let closed = false;
  const dropLink = (id: string) => {
    const l = linkOf(id);
    l.droppedBy.add(id);
    return onLink(l, async () => {
      if (!l.served) return;
      const s = l.served;
      l.served = null;
      await s.close();
    });
  };
  const restoreLink = (id: string) => {
    const l = linkOf(id);
    if (!l.droppedBy.delete(id)) return Promise.resolve();
    return onLink(l, async () => {
      if (l.served || l.droppedBy.size > 0 || closed) return;
      l.served = await l.start();
    });
  };

  const replace = (id: string, newFirst: number): Replacement => {
    const m = model.meter(id);
    const sim = meter(id);
    const oldFinal = { [m.primary]: sim.state()[m.primary]! };
    sim.setCounter(m.primary, newFirst);
    const r: Replacement = { meter: id, at: Math.round(clock.now()), old_final: oldFinal, new_first: { [m.primary]: newFirst } };
    replacements.push(r);
    return r;
  };

  // Leaks and loads left on change the load model itself, so counters and rates follow them.
  const effects = new Map<string, LoadEffect>();
  const clearEffect = (id: string) => {
    const e = effects.get(id);
    if (e) model.removeEffect(e);
    effects.delete(id);
  };
  const clearTimers = new Set<NodeJS.Timeout>();
  async function applyFault(id: string, f: BuildingFault | null, scheduled: boolean, forMs?: number): Promise<{ wrapAt?: number; replacement?: Replacement }> {
    const sim = meter(id);
    const m = model.meter(id);
    opts.onFault?.({ meter: id, fault: f, scheduled });
    if (f === null) {
      faults.delete(id);
      clearEffect(id);
      sim.fault(null).unstick();
      await restoreLink(id);
      return {};
    }
    const out: { wrapAt?: number; replacement?: Replacement } = {};
    switch (f.kind) {
      case 'stuck':
        sim.stick();
        break;
      case 'counter_jump':
        sim.misread(m.primary, f.value);
        break;
      case 'rollover':
        out.wrapAt = sim.nearRollover(m.primary, f.before);
        break;
      case 'replace':
        out.replacement = replace(id, f.newFirst);
        break;
      case 'link_drop':
        await dropLink(id);
        break;
      case 'leak':
      case 'left_on':
        clearEffect(id);
        effects.set(id, model.addEffect(id, f));
        break;
      default:
        sim.fault(f);
    }
    // Counter changes are done once they are made; the others stay until cleared.
    if (f.kind !== 'rollover' && f.kind !== 'replace') faults.set(id, f);
    if (forMs !== undefined) {
      const until = clock.now() + forMs;
      const timer = setInterval(() => {
        if (clock.now() < until) return;
        clearInterval(timer);
        clearTimers.delete(timer);
        void clearOne(id, f, scheduled);
      }, 20);
      clearTimers.add(timer);
    }
    return out;
  }
  // Ends one fault without touching others applied to the meter since.
  async function clearOne(id: string, f: BuildingFault, scheduled: boolean): Promise<void> {
    if (faults.get(id) !== f) return;
    faults.delete(id);
    opts.onFault?.({ meter: id, fault: null, scheduled });
    const sim = meter(id);
    if (f.kind === 'stuck' || f.kind === 'counter_jump') sim.unstick();
    else if (f.kind === 'leak' || f.kind === 'left_on') clearEffect(id);
    else if (f.kind === 'link_drop') await restoreLink(id);
    else if (f.kind !== 'rollover' && f.kind !== 'replace') sim.fault(null);
  }

  // Scheduled faults follow the building's clock, so an accelerated clock brings them sooner.
  const t0 = clock.now();
  const pending = [...(opts.faults ?? site.faults)].sort((a, b) => a.atMin - b.atMin);
  const scheduler = setInterval(() => {
    while (pending.length > 0 && clock.now() >= t0 + pending[0]!.atMin * 60_000) {
      const spec = pending.shift()!;
      const forMs = spec.forMin === undefined ? undefined : spec.forMin * 60_000;
      void applyFault(spec.meter, spec.fault, true, forMs).catch(() => undefined);
    }
    if (pending.length === 0) clearInterval(scheduler);
  }, 20);
  scheduler.unref();

  return {
    model, clock, started: t0, endpoints: served, replacements, meter, replace,
    fault: (id, f, forMs) => applyFault(id, f as BuildingFault | null, false, forMs),
    status: () => model.meters.map((m) => {
      const sim = sims.get(m.id)!;
      const l = links.get(m.spec.endpoint)!;
      const values = l.ep.type === 'mqtt' ? sim.state() : serialMeters.get(m.id)?.get() ?? mbusSlaves.get(m.id)?.get() ?? sim.get();
      return {
        id: m.id, building: m.building, endpoint: m.spec.endpoint, unitId: m.spec.unitId ?? null, kind: m.kind, primary: m.primary,
        fault: faults.get(m.id) ?? null, linkDown: l.served === null,
        values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6])),
      };
    }),
    async close() {
      closed = true;
      clearInterval(scheduler);
      for (const t of clearTimers) clearInterval(t);
      clearTimers.clear();
      await Promise.allSettled([...linkQueue.values()]);
      await Promise.allSettled([...links.values()].reverse().map((l) => {
        const s = l.served;
        l.served = null;
        return s?.close();
      }));
    },
  };
}
