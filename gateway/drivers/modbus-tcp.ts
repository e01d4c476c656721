import net from 'node:net';
import type { ModbusLink } from './link.ts';
import { LinkDownError, ModbusExceptionError, ModbusFrameError, ModbusTimeoutError } from './errors.ts';
import { oneAtATime } from './one-at-a-time.ts';

/**
 * A Modbus TCP client (Modbus Messaging on TCP/IP Implementation Guide V1.0b): one socket, one
 * transaction at a time, answers matched by transaction identifier.
 *
 * Why not modbus-serial here: a gateway with 500 Ethernet meters holds 500 clients, and each
 * modbus-serial client keeps a ModbusRTU and a TcpPort with their emitters, closures and a
 * 256-slot transaction book (about 5 KB a meter), and loading the package loads serialport and
 * its native addon even when no serial line exists (about 7 MB RSS). This link is a socket, a
 * receive buffer and the one pending request. RTU and raw RTU-over-TCP stay on modbus-serial.
 */
export interface ModbusTcpOptions {
  connectTimeoutMs?: number;
  /** After a failed connect, requests fail fast for this long instead of reconnecting each time. */
  reconnectDelayMs?: number;
}

// MBAP header: transaction id (2), protocol id (2, 0 for Modbus), length (2, bytes after it), unit id (1).
const MBAP = 7;
// Implementation Guide 3.1.3: a Modbus PDU is at most 253 bytes, so length (unit id + PDU) ≤ 254.
const MAX_LENGTH = 254;
// Application Protocol 6.3/6.4: at most 125 registers per read.
const MAX_REGISTERS = 125;

interface Pending {
  tid: number;
  unitId: number;
  fc: number;
  count: number;
  timer: NodeJS.Timeout;
  resolve(b: Buffer): void;
  reject(e: Error): void;
}

export function createModbusTcpLink(target: { host: string; port: number }, options: ModbusTcpOptions = {}): ModbusLink {
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  const name = `tcp:${target.host}:${target.port}`;
  let socket: net.Socket | null = null;
  let connecting: Promise<net.Socket> | null = null;
  let lastFailure = 0;
  let lastError = '';
  let closed = false;
  const queue = oneAtATime();
  let tid = 0;
  let pending: Pending | null = null;
  // Bytes of an answer that has not fully arrived; never more than one frame (MBAP + 254).
  let rx: Buffer | null = null;

  const fail = (err: Error) => {
    const p = pending;
    if (!p) return;
    pending = null;
    clearTimeout(p.timer);
    p.reject(err);
  };

  const drop = (s: net.Socket, why: string) => {
    if (socket === s) {
      socket = null;
      rx = null;
    }
    s.destroy();
    fail(new LinkDownError(`${name}: ${why}`));
  };

  const onFrame = (s: net.Socket, f: Buffer) => {
    const id = f.readUInt16BE(0);
    const p = pending;
    // A late answer to a request that already timed out, or one nobody asked for: the guide
    // (4.4.1) has the client discard a response whose transaction id it does not expect.
    if (!p || id !== p.tid) return;
    if (f.readUInt16BE(2) !== 0) return drop(s, `protocol identifier ${f.readUInt16BE(2)} is not Modbus (0)`);
    const unit = f[6]!;
    const fc = f[7];
    const finish = (err: Error | null, data?: Buffer) => {
      pending = null;
      clearTimeout(p.timer);
      if (err) p.reject(err);
      else p.resolve(data!);
    };
    if (unit !== p.unitId) return finish(new ModbusFrameError(`answer from unit ${unit}, asked unit ${p.unitId}`));
    if (fc === (p.fc | 0x80)) {
      if (f.length < MBAP + 2) return finish(new ModbusFrameError('exception response without an exception code'));
      return finish(new ModbusExceptionError(f[8]!));
    }
    if (fc !== p.fc) return finish(new ModbusFrameError(`answer with function code ${fc}, asked ${p.fc}`));
    const bytes = f[8];
    if (bytes !== p.count * 2 || f.length !== MBAP + 2 + bytes) {
      return finish(new ModbusFrameError(`data length error: expected ${p.count * 2} register bytes, got ${bytes ?? 0} in a ${f.length - MBAP}-byte PDU`));
    }
    finish(null, Buffer.from(f.subarray(MBAP + 2)));
  };

  const onData = (s: net.Socket, chunk: Buffer) => {
    let buf = rx ? Buffer.concat([rx, chunk]) : chunk;
    rx = null;
    while (buf.length >= 6) {
      const length = buf.readUInt16BE(4);
      // A length no Modbus frame can have means the stream lost its framing: nothing after it can
      // be trusted, so the connection is dropped rather than searched for the next header.
      if (length < 2 || length > MAX_LENGTH) return drop(s, `frame length ${length} out of range (2–${MAX_LENGTH}); stream out of step`);
      if (buf.length < 6 + length) break;
      onFrame(s, buf.subarray(0, 6 + length));
      if (socket !== s) return;
      buf = buf.subarray(6 + length);
    }
    // Copied, so a partial frame does not keep the whole socket chunk it came in alive.
    if (buf.length > 0) rx = Buffer.from(buf);
  };

  const connect = (): Promise<net.Socket> => new Promise((resolve, reject) => {
    if (Date.now() - lastFailure < reconnectDelayMs) {
      reject(new LinkDownError(`${name}: not connected (last attempt: ${lastError})`));
      return;
    }
    const s = net.connect({ host: target.host, port: target.port });
    s.setNoDelay(true);
    const failed = (err: Error) => {
      clearTimeout(timer);
      s.destroy();
      lastFailure = Date.now();
      lastError = err.message;
      reject(new LinkDownError(`${name}: ${lastError}`, { cause: err }));
    };
    const timer = setTimeout(() => failed(new Error(`connect timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
    s.once('error', failed);
    s.once('connect', () => {
      clearTimeout(timer);
      s.off('error', failed);
      if (closed) {
        s.destroy();
        reject(new LinkDownError(`${name}: link closed`));
        return;
      }
      s.on('data', (chunk: Buffer) => onData(s, chunk));
      // Dropped as soon as the device ends its side, so the next request opens a new connection
      // instead of writing into this one ("socket has been ended by the other party").
      s.on('end', () => drop(s, 'connection closed by the device'));
      s.on('error', (err) => drop(s, s.readableEnded ? 'connection closed by the device' : err.message));
      s.on('close', () => drop(s, 'connection closed by the device'));
      socket = s;
      rx = null;
      resolve(s);
    });
  });

  const transaction = async (unitId: number, fc: 3 | 4, address: number, count: number, timeoutMs: number): Promise<Buffer> => {
    if (closed) throw new LinkDownError(`${name}: link closed`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_REGISTERS) throw new RangeError(`register count ${count} out of range (1–${MAX_REGISTERS})`);
    if (socket && !socket.writable) drop(socket, 'connection closed by the device');
    const s = socket ?? await (connecting ??= connect().finally(() => { connecting = null; }));
    tid = (tid + 1) & 0xffff;
    const req = Buffer.allocUnsafe(12);
    req.writeUInt16BE(tid, 0);
    req.writeUInt16BE(0, 2);
    req.writeUInt16BE(6, 4);
    req[6] = unitId;
    req[7] = fc;
    req.writeUInt16BE(address, 8);
    req.writeUInt16BE(count, 10);
    return new Promise<Buffer>((resolve, reject) => {
      pending = {
        tid, unitId, fc, count, resolve, reject,
        // The connection stays up: a device that missed one answer usually makes the next, and
        // its late answer is told apart by the transaction id.
        timer: setTimeout(() => fail(new ModbusTimeoutError(`no response within ${timeoutMs} ms`)), timeoutMs),
      };
      s.write(req);
    });
  };

  return {
    readRegisters(unitId, fc, address, count, timeoutMs) {
      return queue.run(() => transaction(unitId, fc, address, count, timeoutMs));
    },
    async close() {
      closed = true;
      await queue.idle();
      const s = socket;
      socket = null;
      if (s) {
        s.removeAllListeners('close');
        s.destroy();
      }
    },
  };
}
