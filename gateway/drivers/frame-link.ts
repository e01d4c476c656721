import net from 'node:net';
import { LinkDownError } from './errors.ts';
import { ProtocolTimeoutError } from '../protocols/errors.ts';
import { describeTarget, type LinkTarget } from './modbus-link.ts';
import { oneAtATime } from './one-at-a-time.ts';

/**
 * What a frame-based protocol (DL/T 645, CJ/T 188, …) needs from a line: send a request and
 * collect the bytes until the protocol says the answer is complete. `complete` returns
 * the answer once it has one, or undefined to keep reading.
 */
export interface FrameLink {
  transact<T>(request: Buffer | null, complete: (received: Buffer) => T | undefined, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

type Port = {
  write(b: Buffer): void;
  on(ev: 'data', f: (c: Buffer) => void): void;
  off(ev: 'data', f: (c: Buffer) => void): void;
  destroy(): Promise<void>;
  isOpen(): boolean;
};

/**
 * A FrameLink on a serial device (serialport) or on the one TCP connection of a transparent
 * serial server. Like the Modbus link it opens on first use, reopens after the line drops (not
 * sooner than `reconnectDelayMs` after a failed attempt) and runs one transaction at a time:
 * RS-485 is half duplex and these frames carry no transaction id.
 */
export function createFrameLink(target: Exclude<LinkTarget, { type: 'tcp' }>, options: { connectTimeoutMs?: number; reconnectDelayMs?: number } = {}): FrameLink {
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  let port: Port | null = null;
  let lastFailure = 0;
  let lastError = '';
  let closed = false;
  const queue = oneAtATime();
  const name = describeTarget(target);

  const open = async (): Promise<Port> => {
    if (port?.isOpen()) return port;
    if (port) await port.destroy();
    port = null;
    if (Date.now() - lastFailure < reconnectDelayMs) throw new LinkDownError(`${name}: not connected (last attempt: ${lastError})`);
    try {
      port = target.type === 'rtu' ? await openSerial(target, connectTimeoutMs) : await openTcp(target.host, target.port, connectTimeoutMs);
      return port;
    } catch (err) {
      lastFailure = Date.now();
      lastError = (err as Error).message;
      throw new LinkDownError(`${name}: ${lastError}`, { cause: err });
    }
  };

  const transaction = async <T>(request: Buffer | null, complete: (b: Buffer) => T | undefined, timeoutMs: number): Promise<T> => {
    if (closed) throw new LinkDownError(`${name}: link closed`);
    const p = await open();
    return new Promise<T>((resolve, reject) => {
      let received = Buffer.alloc(0);
      const finish = (err: Error | null, value?: T) => {
        clearTimeout(timer);
        p.off('data', onData);
        if (err) reject(err);
        else resolve(value as T);
      };
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        let out: T | undefined;
        try {
          out = complete(received);
        } catch (err) {
          finish(err as Error);
          return;
        }
        if (out !== undefined) finish(null, out);
      };
      const timer = setTimeout(() => finish(new ProtocolTimeoutError(
        received.length === 0 ? `no response within ${timeoutMs} ms` : `incomplete response within ${timeoutMs} ms (${received.length} byte(s))`,
      )), timeoutMs);
      // Bytes that arrived between transactions (a late answer to a timed-out request) are not
      // listened to: the listener is attached only now.
      p.on('data', onData);
      try {
        if (request) p.write(request);
      } catch (err) {
        finish(new LinkDownError(`${name}: ${(err as Error).message}`, { cause: err }));
      }
    });
  };

  return {
    transact(request, complete, timeoutMs) {
      return queue.run(() => transaction(request, complete, timeoutMs));
    },
    async close() {
      closed = true;
      await queue.idle();
      const p = port;
      port = null;
      if (p) await p.destroy();
    },
  };
}

async function openSerial(t: Extract<LinkTarget, { type: 'rtu' }>, timeoutMs: number): Promise<Port> {
  // Loaded here, not at start-up: serialport's native addon costs a gateway without serial
  // lines memory for nothing.
  const { SerialPort } = await import('serialport');
  const sp = new SerialPort({
    path: t.path, baudRate: t.baud, parity: t.parity ?? 'none', dataBits: t.dataBits ?? 8, stopBits: t.stopBits ?? 1, autoOpen: false,
  });
  await withTimeout(new Promise<void>((resolve, reject) => sp.open((err) => (err ? reject(err) : resolve()))), timeoutMs, () => sp.destroy());
  let open = true;
  sp.on('close', () => { open = false; });
  sp.on('error', () => { open = false; });
  return {
    write: (b) => { sp.write(b); },
    on: (ev, f) => { sp.on(ev, f); },
    off: (ev, f) => { sp.off(ev, f); },
    isOpen: () => open && sp.isOpen,
    destroy: () => new Promise<void>((resolve) => {
      open = false;
      if (!sp.isOpen) { sp.destroy(); resolve(); return; }
      sp.close(() => resolve());
      setTimeout(resolve, 500).unref();
    }),
  };
}

async function openTcp(host: string, port: number, timeoutMs: number): Promise<Port> {
  const s = net.connect({ host, port });
  s.setNoDelay(true);
  await withTimeout(new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  }), timeoutMs, () => s.destroy());
  let open = true;
  s.on('close', () => { open = false; });
  s.on('error', () => { open = false; });
  return {
    write: (b) => { s.write(b); },
    on: (ev, f) => { s.on(ev, f); },
    off: (ev, f) => { s.off(ev, f); },
    isOpen: () => open && !s.destroyed,
    destroy: async () => { open = false; s.destroy(); },
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => {
      timer = setTimeout(() => { onTimeout(); reject(new Error(`connect timed out after ${ms} ms`)); }, ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}
