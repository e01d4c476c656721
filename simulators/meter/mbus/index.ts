import net from 'node:net';
import { SerialPort } from 'serialport';
import { SimClock } from '../clock.ts';
import { serveMbusLine } from './line.ts';
import { MbusSlave, type MbusSlaveSpec } from './slave.ts';

export { MbusSlave, type MbusSlaveSpec } from './slave.ts';

export interface MbusSimulatorOptions {
  meters: readonly MbusSlaveSpec[];
  seed?: number;
  clock?: { start?: number; speed?: number; frozen?: boolean };
  /** A serial device (an M-Bus level converter, or a pty in tests); EN 13757-2 default 2400 8E1. */
  rtu?: { path: string; baudRate?: number; parity?: 'none' | 'even' | 'odd' };
  /** A transparent serial server: raw M-Bus frames over TCP; port 0 takes a free one. */
  rtuOverTcp?: { host?: string; port?: number };
}

export interface MbusSimulator {
  readonly clock: SimClock;
  readonly slaves: readonly MbusSlave[];
  readonly rtu: { path: string } | undefined;
  readonly rtuOverTcp: { host: string; port: number } | undefined;
  slave(address: number): MbusSlave;
  close(): Promise<void>;
}

export async function startMbusSimulator(opts: MbusSimulatorOptions): Promise<MbusSimulator> {
  const clock = new SimClock(opts.clock);
  const seed = opts.seed ?? 1;
  const slaves: MbusSlave[] = [];
  for (const spec of opts.meters) {
    const s = new MbusSlave(spec, clock, seed);
    if (s.address !== 0 && slaves.some((o) => o.address === s.address)) throw new RangeError(`primary address ${s.address} is served twice`);
    if (slaves.some((o) => o.secondary === s.secondary && o.model.manufacturer === s.model.manufacturer)) {
      throw new RangeError(`secondary address ${s.secondary} is served twice`);
    }
    slaves.push(s);
  }
  const closers: (() => Promise<void>)[] = [];
  let rtu: { path: string } | undefined;
  let bridge: { host: string; port: number } | undefined;
  try {
    if (opts.rtu) {
      const served = await serveMbusSerial(slaves, opts.rtu.path, opts.rtu);
      rtu = { path: opts.rtu.path };
      closers.push(served.close);
    }
    if (opts.rtuOverTcp) {
      const served = await serveMbusOverTcp(slaves, opts.rtuOverTcp.host ?? '127.0.0.1', opts.rtuOverTcp.port ?? 0);
      bridge = { host: served.host, port: served.port };
      closers.push(served.close);
    }
  } catch (err) {
    for (const c of closers.reverse()) await c();
    throw err;
  }
  return {
    clock, slaves, rtu, rtuOverTcp: bridge,
    slave(address) {
      const s = slaves.find((x) => x.address === address);
      if (!s) throw new RangeError(`no slave at primary address ${address}`);
      return s;
    },
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
}

export interface ServedMbusLine {
  readonly host: string;
  readonly port: number;
  dropConnections(): void;
  close(): Promise<void>;
}

/** The slaves of one M-Bus line on a serial device (EN 13757-2 default 2400 8E1). */
export async function serveMbusSerial(
  slaves: readonly MbusSlave[], path: string, opts: { baudRate?: number; parity?: 'none' | 'even' | 'odd' } = {},
): Promise<{ dropConnections(): void; close(): Promise<void> }> {
  const port = new SerialPort({ path, baudRate: opts.baudRate ?? 2400, dataBits: 8, parity: opts.parity ?? 'even', stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => {});
  const detach = serveMbusLine(port, slaves);
  return {
    dropConnections: () => undefined,
    close: () => new Promise<void>((resolve) => {
      detach();
      if (!port.isOpen) return resolve();
      port.close(() => resolve());
    }),
  };
}

/** The slaves of one M-Bus line behind a transparent TCP serial server; port 0 takes a free one. */
export async function serveMbusOverTcp(slaves: readonly MbusSlave[], host: string, port: number): Promise<ServedMbusLine> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    const detach = serveMbusLine(sock, slaves);
    sock.on('error', () => {});
    sock.once('close', () => { detach(); sockets.delete(sock); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const dropConnections = () => { for (const s of sockets) s.destroy(); };
  return {
    host: addr.address, port: addr.port, dropConnections,
    close: () => new Promise<void>((resolve) => {
      dropConnections();
      server.close(() => resolve());
    }),
  };
}
