import type { Logger } from 'pino';
import type { Reading } from '../../core/index.ts';
import type { BusConfig, GatewayConfig, MeterConfig } from '../config.ts';
import { createBusLink, targetOf, type ModbusLink } from '../drivers/index.ts';
import { createFrameLink, type FrameLink } from '../drivers/frame-link.ts';
import { serialReader } from '../protocols/readers.ts';
import { isSerialProtocol } from '../protocols/registry.ts';
import { startMqttMeters, type MqttMeterSource } from '../drivers/mqtt-meter.ts';
import { gateFrameLink, gateLink } from './gate.ts';
import { modbusReader } from './meter-plan.ts';
import { bitsPerChar, silenceMs } from './planner.ts';
import { buildReading, type CounterMemory } from './reading.ts';
import { createBusScheduler, type BusScheduler, type SchedulerOptions } from './scheduler.ts';
import type { MeterState } from './types.ts';

export type { MeterState } from './types.ts';
export type { SchedulerOptions } from './scheduler.ts';

export interface Poller {
  start(): Promise<void>;
  stop(): Promise<void>;
  meters(): MeterState[];
  /** Line utilisation of every polled bus (share of time busy, 0–1); MQTT buses are not lines. */
  buses(): { id: string; utilisation: number }[];
  /**
   * The link of a polled bus, lent by its scheduler for a bounded pause (commissioning from the
   * console): the same connection the schedule uses, since an RS-485 port or a one-connection
   * bridge cannot be opened twice. Undefined for a bus nothing polls.
   */
  line(busId: string): PolledLine | undefined;
}

export type PolledLine =
  | { kind: 'modbus'; link: ModbusLink; lend: BusScheduler['lend'] }
  | { kind: 'frame'; link: FrameLink; lend: BusScheduler['lend'] };

export interface PollerDeps {
  log: Logger;
  /**
   * Every reading, stamped with `now()` at read time (`gateway`), or with the time an MQTT
   * payload carried (`meter`): only the gateway's own stamps can be re-stamped by its clock.
   */
  onReading(reading: Reading, stampedBy?: 'gateway' | 'meter'): void;
  now?: () => number;
  /** Retry and backoff tuning; the defaults suit real buses. */
  scheduler?: SchedulerOptions;
  /** Builds the link of a Modbus bus (default: modbus-serial); lets a caller observe or wrap it. */
  createLink?: (bus: Exclude<BusConfig, { type: 'mqtt' }>) => ModbusLink;
  /** Builds the byte link of a DL/T 645 / CJ/T 188 line (default: serialport or a TCP socket). */
  createFrameLink?: (bus: Extract<BusConfig, { type: 'rtu' | 'rtu-over-tcp' }>) => FrameLink;
}

type ModbusBus = Exclude<BusConfig, { type: 'mqtt' }>;
type MqttBus = Extract<BusConfig, { type: 'mqtt' }>;

/**
 * Polls every meter of a gateway config: one scheduler and one link per Modbus bus (so buses run
 * in parallel while each line carries one transaction at a time), one subscription client per
 * MQTT bus.
 */
export function createPoller(config: GatewayConfig, deps: PollerDeps): Poller {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ module: 'poll' });
  const byBus = new Map<string, MeterConfig[]>();
  for (const m of config.meters) byBus.set(m.bus, [...(byBus.get(m.bus) ?? []), m]);

  const schedulers: BusScheduler[] = [];
  const lines = new Map<string, { line: PolledLine; utilisation(): number }>();
  const mqttBuses: { bus: MqttBus; meters: MeterConfig[] }[] = [];
  const mqttStates = new Map<string, { status: MeterState; counters: CounterMemory; intervalMs: number; lastRx: number | null }>();
  let mqttSources: MqttMeterSource[] = [];
  let running = false;

  for (const bus of config.buses) {
    const meters = byBus.get(bus.id) ?? [];
    if (meters.length === 0) continue;
    if (bus.type === 'mqtt') {
      mqttBuses.push({ bus, meters });
      for (const m of meters) {
        mqttStates.set(m.id, {
          status: { id: m.id, bus: bus.id, online: false, lastReadTs: null, consecutiveErrors: 0, lastError: null, state: 'unknown', reads: 0, errors: 0 },
          counters: new Map(),
          intervalMs: m.intervalMs,
          lastRx: null,
        });
      }
      continue;
    }
    const modbusBus: ModbusBus = bus;
    const protocol = meters[0]!.protocol;
    if (isSerialProtocol(protocol) && modbusBus.type !== 'tcp') {
      const serialBus = modbusBus;
      // A DL/T 645 / CJ/T 188 line (config.ts keeps Modbus meters off it): a raw byte link, the
      // same scheduler. Frames are separated by the bus's interFrameDelayMs only: these
      // standards define no inter-frame silence, the wake-up bytes do that job.
      const raw = deps.createFrameLink
        ? deps.createFrameLink(serialBus)
        : createFrameLink(targetOf(serialBus) as Exclude<ReturnType<typeof targetOf>, { type: 'tcp' }>, { connectTimeoutMs: Math.max(serialBus.timeoutMs, 1000) });
      const link = gateFrameLink(raw, serialBus.interFrameDelayMs);
      const sched = createBusScheduler(serialBus, meters, (m) => serialReader(m as typeof m & { protocol: typeof protocol }, link, {
        clock: now,
        onUnsupported: (what, reason) => log.warn({ bus: bus.id, meter: m.id, reason }, `${what} not served by this meter; no longer asked`),
      }), { log, onReading: deps.onReading, now, ...(deps.scheduler ? { options: deps.scheduler } : {}) });
      schedulers.push({ ...sched, stop: async () => { await sched.stop(); await link.close(); } });
      lines.set(bus.id, { line: { kind: 'frame', link, lend: sched.lend }, utilisation: sched.utilisation });
      continue;
    }
    // Modbus over serial line V1.02, 2.5.1.1: never less than 3.5 character times between frames.
    const minGap = modbusBus.type === 'rtu' ? silenceMs({ baud: modbusBus.baud, bitsPerChar: bitsPerChar(modbusBus) }) : 0;
    const raw = deps.createLink ? deps.createLink(modbusBus) : createBusLink(modbusBus, { connectTimeoutMs: Math.max(modbusBus.timeoutMs, 1000) });
    const link = gateLink(raw, Math.max(minGap, modbusBus.interFrameDelayMs));
    const sched = createBusScheduler(modbusBus, meters, modbusReader(link, now), {
      log, onReading: deps.onReading, now, ...(deps.scheduler ? { options: deps.scheduler } : {}),
    });
    schedulers.push({ ...sched, stop: async () => { await sched.stop(); await link.close(); } });
    lines.set(bus.id, { line: { kind: 'modbus', link, lend: sched.lend }, utilisation: sched.utilisation });
  }

  return {
    async start() {
      if (running) return;
      running = true;
      for (const s of schedulers) s.start();
      // The MQTT source asks for the time once per message and passes that answer on unless the
      // payload carried its own: remembering the answer tells the two apart.
      let lastNow = Number.NaN;
      mqttSources = mqttBuses.map(({ bus, meters }) => startMqttMeters(bus, meters, {
        log,
        now: () => (lastNow = now()),
        onValues(meter, values, ts) {
          const st = mqttStates.get(meter.id)!;
          const reading = buildReading(meter.id, ts, values, meter, st.counters);
          st.lastRx = now();
          Object.assign(st.status, { online: true, lastReadTs: ts, consecutiveErrors: 0, lastError: null, state: 'ok', reads: st.status.reads + 1 });
          deps.onReading(reading, ts === lastNow ? 'gateway' : 'meter');
        },
        onError(meter, error) {
          const st = mqttStates.get(meter.id)!;
          Object.assign(st.status, { lastError: error, consecutiveErrors: st.status.consecutiveErrors + 1, errors: st.status.errors + 1 });
        },
      }));
    },
    async stop() {
      if (!running) return;
      running = false;
      await Promise.all([...schedulers.map((s) => s.stop()), ...mqttSources.map((s) => s.stop())]);
      mqttSources = [];
    },
    meters() {
      const t = now();
      const mqtt = [...mqttStates.values()].map(({ status, intervalMs, lastRx }) => {
        // A pushed meter is only known to be alive while it keeps publishing.
        const stale = lastRx !== null && t - lastRx > 3 * intervalMs;
        return stale ? { ...status, online: false, state: 'unknown' as const } : { ...status };
      });
      return [...schedulers.flatMap((s) => s.states()), ...mqtt];
    },
    buses: () => [...lines].map(([id, l]) => ({ id, utilisation: l.utilisation() })),
    line: (busId) => lines.get(busId)?.line,
  };
}
