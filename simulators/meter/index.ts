import { SimClock } from './clock.ts';
import { SimMeter, type MeterSpec } from './meter.ts';
import { serveRtuOverTcp, type RtuOverTcpEndpoint } from './rtu-over-tcp.ts';
import { serveRtuSerial, type RtuEndpoint } from './rtu-serial.ts';
import { serveTcp, type TcpEndpoint } from './tcp.ts';

export { SimMeter, type MeterSpec } from './meter.ts';
export { SimClock } from './clock.ts';
export type { Fault } from './faults.ts';
export { heatPower, WATER_HEAT_KWH_PER_M3K, type Inputs, type Profile, type Values } from './physics.ts';
export { handlePdu, exceptionPdu } from './pdu.ts';
export { crc16, withCrc } from './rtu-frame.ts';

export interface MeterSimulatorOptions {
  meters: readonly MeterSpec[];
  /** Everything random (voltage and frequency noise, garbage bytes) follows from it. Default 1. */
  seed?: number;
  /** Simulated time: start (ms since the epoch, default now), speed (× real time), frozen. */
  clock?: { start?: number; speed?: number; frozen?: boolean };
  /** Modbus TCP; port 0 takes a free port (see `tcp.port`). */
  tcp?: { host?: string; port?: number };
  /** Modbus RTU on a serial device path, all meters on the one line. */
  rtu?: { path: string; baudRate?: number };
  /** Raw RTU frames over TCP (a serial-to-Ethernet bridge); port 0 takes a free port. */
  rtuOverTcp?: { host?: string; port?: number };
}

export interface MeterSimulator {
  readonly clock: SimClock;
  /** Where Modbus TCP is served, when it is. */
  readonly tcp: { host: string; port: number } | undefined;
  readonly rtu: { path: string } | undefined;
  readonly rtuOverTcp: { host: string; port: number } | undefined;
  meter(unitId: number): SimMeter;
  meters(): SimMeter[];
  /** Simulated time, ms since the epoch. */
  now(): number;
  /** Stops simulated time, so registers and `get()` agree exactly until the next advance. */
  freeze(): void;
  resume(): void;
  advance(ms: number): void;
  /** Drops every open TCP and RTU-over-TCP connection; clients have to reconnect. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Starts simulated meters and the transports that serve them. */
export async function startMeterSimulator(opts: MeterSimulatorOptions): Promise<MeterSimulator> {
  const seed = opts.seed ?? 1;
  const clock = new SimClock(opts.clock);
  const meters = new Map<number, SimMeter>();
  for (const spec of opts.meters) {
    if (meters.has(spec.unitId)) throw new RangeError(`unit id ${spec.unitId} is served twice`);
    meters.set(spec.unitId, new SimMeter(spec, clock, seed));
  }
  const closers: Array<() => Promise<void>> = [];
  let tcp: TcpEndpoint | undefined;
  let rtu: RtuEndpoint | undefined;
  let bridge: RtuOverTcpEndpoint | undefined;
  try {
    if (opts.tcp) {
      tcp = await serveTcp(meters, seed, opts.tcp.host ?? '127.0.0.1', opts.tcp.port ?? 0);
      closers.push(tcp.close);
    }
    if (opts.rtu) {
      rtu = await serveRtuSerial(meters, seed, opts.rtu.path, opts.rtu.baudRate);
      closers.push(rtu.close);
    }
    if (opts.rtuOverTcp) {
      bridge = await serveRtuOverTcp(meters, seed, opts.rtuOverTcp.host ?? '127.0.0.1', opts.rtuOverTcp.port ?? 0);
      closers.push(bridge.close);
    }
  } catch (err) {
    await Promise.allSettled(closers.map((c) => c()));
    throw err;
  }

  return {
    clock,
    tcp: tcp && { host: tcp.host, port: tcp.port },
    rtu: rtu && { path: rtu.path },
    rtuOverTcp: bridge && { host: bridge.host, port: bridge.port },
    meter(unitId) {
      const m = meters.get(unitId);
      if (!m) throw new RangeError(`no meter with unit id ${unitId}; serving ${[...meters.keys()].join(', ')}`);
      return m;
    },
    meters: () => [...meters.values()],
    now: () => clock.now(),
    freeze: () => clock.freeze(),
    resume: () => clock.resume(),
    advance: (ms) => clock.advance(ms),
    dropConnections() {
      tcp?.dropConnections();
      bridge?.dropConnections();
    },
    async close() {
      await Promise.allSettled(closers.splice(0).reverse().map((c) => c()));
    },
  };
}
