import net from 'node:net';
import { SerialPort } from 'serialport';
import type { Cjt188Model, Dlt645Model } from '../../gateway/models/types.ts';
import { SimClock } from './clock.ts';
import { MasterFrameReader } from './serial-frames.ts';
import { SerialSimMeter, type SerialMeterSpec } from './serial-meter.ts';

export { SerialSimMeter, type SerialMeterSpec } from './serial-meter.ts';

interface ByteLink {
  write(b: Buffer): unknown;
  on(ev: 'data', f: (c: Buffer) => void): unknown;
  off(ev: 'data', f: (c: Buffer) => void): unknown;
}

/** Every meter of one line hears every frame; the one addressed answers (RS-485 is a shared bus). */
function serveLine(link: ByteLink, protocol: 'dlt645' | 'cjt188', meters: readonly SerialSimMeter[], replyDelayMs: number): () => void {
  const reader = new MasterFrameReader(protocol);
  const timers = new Set<NodeJS.Timeout>();
  const onData = (chunk: Buffer) => {
    for (const f of reader.push(chunk)) {
      for (const m of meters) {
        const reply = m.answer(f);
        if (!reply) continue;
        // A meter takes a moment to turn the line around (DL/T 645-2007 allows it up to 500 ms).
        const t = setTimeout(() => {
          timers.delete(t);
          link.write(reply);
        }, replyDelayMs);
        timers.add(t);
      }
    }
  };
  link.on('data', onData);
  return () => {
    link.off('data', onData);
    for (const t of timers) clearTimeout(t);
  };
}

export interface ServedLine {
  readonly port?: number;
  dropConnections(): void;
  close(): Promise<void>;
}

/** The meters of one line on a serial device (2400 8E1 unless told otherwise). */
export async function serveSerialRtu(
  protocol: 'dlt645' | 'cjt188', meters: readonly SerialSimMeter[], path: string,
  opts: { baudRate?: number; parity?: 'none' | 'even' | 'odd'; replyDelayMs?: number } = {},
): Promise<ServedLine> {
  const port = new SerialPort({ path, baudRate: opts.baudRate ?? 2400, dataBits: 8, parity: opts.parity ?? 'even', stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => {});
  const detach = serveLine(port, protocol, meters, opts.replyDelayMs ?? 5);
  return {
    dropConnections: () => undefined,
    close: () => new Promise<void>((resolve) => {
      detach();
      if (!port.isOpen) return resolve();
      port.close(() => resolve());
    }),
  };
}

/** The meters of one line behind a transparent serial server: raw frames over TCP. */
export async function serveSerialOverTcp(
  protocol: 'dlt645' | 'cjt188', meters: readonly SerialSimMeter[], host: string, port: number, replyDelayMs = 5,
): Promise<ServedLine & { port: number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    const detach = serveLine(sock, protocol, meters, replyDelayMs);
    sock.on('error', () => {});
    sock.once('close', () => {
      detach();
      sockets.delete(sock);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const dropConnections = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    dropConnections,
    close: () => new Promise<void>((resolve) => {
      dropConnections();
      server.close(() => resolve());
    }),
  };
}

export interface SerialSimulatorOptions {
  protocol: 'dlt645' | 'cjt188';
  meters: readonly SerialMeterSpec[];
  seed?: number;
  clock?: { start?: number; speed?: number; frozen?: boolean };
  /** A serial device (one end of a pty pair in tests); 2400 8E1 by default, as these meters ship. */
  rtu?: { path: string; baudRate?: number; parity?: 'none' | 'even' | 'odd' };
  /** A transparent serial server: raw frames over TCP; port 0 takes a free port. */
  rtuOverTcp?: { host?: string; port?: number };
  replyDelayMs?: number;
}

export interface SerialSimulator {
  readonly clock: SimClock;
  readonly rtu: { path: string } | undefined;
  readonly rtuOverTcp: { host: string; port: number } | undefined;
  meter(address: string): SerialSimMeter;
  meters(): SerialSimMeter[];
  close(): Promise<void>;
}

export async function startSerialSimulator(opts: SerialSimulatorOptions): Promise<SerialSimulator> {
  const clock = new SimClock(opts.clock);
  const seed = opts.seed ?? 1;
  const seen = new Set<string>();
  const meters = opts.meters.map((spec, i) => {
    if ((spec.model as Dlt645Model | Cjt188Model).protocol !== opts.protocol) throw new RangeError(`${spec.model.name} is not a ${opts.protocol} model`);
    if (seen.has(spec.address)) throw new RangeError(`address ${spec.address} is served twice`);
    seen.add(spec.address);
    return new SerialSimMeter(spec, clock, seed, i);
  });
  const delay = opts.replyDelayMs ?? 5;
  const closers: (() => Promise<void>)[] = [];
  let rtu: { path: string } | undefined;
  let bridge: { host: string; port: number } | undefined;
  try {
    if (opts.rtu) {
      const line = await serveSerialRtu(opts.protocol, meters, opts.rtu.path, { baudRate: opts.rtu.baudRate ?? 2400, parity: opts.rtu.parity ?? 'even', replyDelayMs: delay });
      rtu = { path: opts.rtu.path };
      closers.push(line.close);
    }
    if (opts.rtuOverTcp) {
      const line = await serveSerialOverTcp(opts.protocol, meters, opts.rtuOverTcp.host ?? '127.0.0.1', opts.rtuOverTcp.port ?? 0, delay);
      bridge = { host: opts.rtuOverTcp.host ?? '127.0.0.1', port: line.port };
      closers.push(line.close);
    }
  } catch (err) {
    await Promise.allSettled(closers.map((c) => c()));
    throw err;
  }
  return {
    clock,
    rtu,
    rtuOverTcp: bridge,
    meter(address) {
      const m = meters.find((x) => x.address === address);
      if (!m) throw new RangeError(`no meter at address ${address}`);
      return m;
    },
    meters: () => [...meters],
    async close() {
      await Promise.allSettled(closers.splice(0).reverse().map((c) => c()));
    },
  };
}
