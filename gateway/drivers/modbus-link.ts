import type { EventEmitter } from 'node:events';
import type ModbusSerial from 'modbus-serial';
import type { ModbusLink } from './link.ts';
import { LinkDownError, ModbusExceptionError, ModbusFrameError, ModbusTimeoutError } from './errors.ts';
import { createModbusTcpLink } from './modbus-tcp.ts';
import { oneAtATime } from './one-at-a-time.ts';

export type LinkTarget =
  | { type: 'tcp'; host: string; port: number }
  | { type: 'rtu-over-tcp'; host: string; port: number }
  | { type: 'rtu'; path: string; baud: number; parity?: 'none' | 'even' | 'odd'; dataBits?: 7 | 8; stopBits?: 1 | 2 };

export interface LinkOptions {
  /** Most time opening the socket or device may take. */
  connectTimeoutMs?: number;
  /** After a failed connect, requests fail fast for this long instead of reconnecting each time. */
  reconnectDelayMs?: number;
}

interface RegisterResult { buffer: Buffer }
type Client = InstanceType<typeof ModbusSerial.default>;

// Loaded on first use: modbus-serial loads serialport and its native addon, which a gateway with
// only Modbus TCP meters never needs. modbus-serial is CommonJS: under Node ESM the default
// import is module.exports, whose `default` is the ModbusRTU class again.
let modbusSerial: Promise<typeof ModbusSerial.default> | null = null;
const loadModbusSerial = () => (modbusSerial ??= import('modbus-serial').then((m) => m.default.default));

/** What a link is called in logs and errors. */
export function describeTarget(t: LinkTarget): string {
  return t.type === 'rtu' ? `rtu:${t.path}@${t.baud}` : `${t.type}:${t.host}:${t.port}`;
}

/**
 * The link for a target: Modbus TCP through modbus-tcp.ts, serial RTU and raw RTU over TCP
 * through npm modbus-serial. It connects on first use and again after the link drops,
 * and runs one transaction at a time: modbus-serial matches an RTU answer only to the last request
 * (RTU frames carry no transaction id), so overlapping requests on one client would mix up answers.
 * For raw RTU over TCP this one client is the bridge's single shared connection.
 */
export function createModbusLink(target: LinkTarget, options: LinkOptions = {}): ModbusLink {
  if (target.type === 'tcp') return createModbusTcpLink(target, options);
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  let client: Client | null = null;
  let connecting: Promise<Client> | null = null;
  let lastConnectFailure = 0;
  let lastConnectError = '';
  let closed = false;
  const queue = oneAtATime();

  const drop = (c: Client | null) => {
    if (!c) return;
    if (client === c) client = null;
    try {
      (c as unknown as EventEmitter).removeAllListeners('close');
      c.destroy(() => undefined);
    } catch {
      // Closing an already broken port can throw; the client is discarded either way.
    }
  };

  const connect = async (): Promise<Client> => {
    if (client?.isOpen) return client;
    drop(client);
    if (Date.now() - lastConnectFailure < reconnectDelayMs) {
      throw new LinkDownError(`${describeTarget(target)}: not connected (last attempt: ${lastConnectError})`);
    }
    let c: Client;
    try {
      c = new (await loadModbusSerial())();
    } catch (err) {
      throw new LinkDownError(`${describeTarget(target)}: modbus-serial could not be loaded: ${(err as Error).message}`, { cause: err });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const opening = target.type === 'rtu-over-tcp'
          ? c.connectTelnet(target.host, { port: target.port })
          : c.connectRTUBuffered(target.path, {
            baudRate: target.baud, parity: target.parity ?? 'none', dataBits: target.dataBits ?? 8, stopBits: target.stopBits ?? 1,
          });
      await Promise.race([opening, new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`connect timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
      })]);
      if (!c.isOpen) throw new Error('connection closed while opening');
    } catch (err) {
      drop(c);
      lastConnectFailure = Date.now();
      lastConnectError = (err as Error).message;
      throw new LinkDownError(`${describeTarget(target)}: ${lastConnectError}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    c.on('close', () => { if (client === c) client = null; });
    c.on('error', () => { if (client === c) drop(c); });
    if (closed) {
      drop(c);
      throw new LinkDownError(`${describeTarget(target)}: link closed`);
    }
    client = c;
    return c;
  };

  const transaction = async (unitId: number, fc: 3 | 4, address: number, count: number, timeoutMs: number): Promise<Buffer> => {
    if (closed) throw new LinkDownError(`${describeTarget(target)}: link closed`);
    connecting ??= connect().finally(() => { connecting = null; });
    const c = await connecting;
    discardStaleInput(c);
    c.setTimeout(timeoutMs);
    return new Promise<Buffer>((resolve, reject) => {
      let done = false;
      // modbus-serial does not answer pending callbacks when the port closes mid-transaction.
      const guard = setTimeout(() => finish(new ModbusTimeoutError(`no response within ${timeoutMs} ms`)), timeoutMs + 250);
      const finish = (err: Error | null, data?: Buffer) => {
        if (done) return;
        done = true;
        clearTimeout(guard);
        if (err) {
          const mapped = mapError(err, timeoutMs);
          if (mapped instanceof LinkDownError) drop(c);
          reject(mapped);
        } else resolve(data!);
      };
      // modbus-serial never removes a finished transaction: each keeps its callback, timer and
      // buffers alive under its id (an id per request on its TCP-style ports, one shared key on
      // serial ports). Drop ours once it has answered (the id is the one the write will use).
      const book = (c as unknown as { _transactions: Record<string, { next?: unknown } | undefined>; _port: { _transactionIdWrite?: number } });
      const id = String(book._port._transactionIdWrite);
      const cb = (err: Error | null, res?: RegisterResult) => {
        if (book._transactions[id]?.next === cb) delete book._transactions[id];
        finish(err, res ? Buffer.from(res.buffer) : undefined);
      };
      try {
        if (fc === 3) c.writeFC3(unitId, address, count, cb as never);
        else c.writeFC4(unitId, address, count, cb as never);
      } catch (err) {
        finish(err as Error);
      }
    });
  };

  return {
    readRegisters(unitId, fc, address, count, timeoutMs) {
      return queue.run(() => transaction(unitId, fc, address, count, timeoutMs));
    },
    async close() {
      closed = true;
      await queue.idle();
      const c = client;
      client = null;
      if (c) await new Promise<void>((resolve) => {
        (c as unknown as EventEmitter).removeAllListeners('close');
        try {
          c.close(() => resolve());
        } catch {
          resolve();
        }
        // A serial port that never confirms its close must not hang shutdown.
        setTimeout(resolve, 500).unref();
      });
    },
  };
}

// Modbus over serial line V1.02, 2.5.1.1: a frame that arrives outside a transaction (a late
// answer to a timed-out request) is to be discarded, not matched against the next request.
function discardStaleInput(c: Client): void {
  const port = (c as unknown as { _port?: { _buffer?: Buffer } })._port;
  if (port && Buffer.isBuffer(port._buffer)) port._buffer = Buffer.alloc(0);
}

function mapError(err: Error & { modbusCode?: number; errno?: string }, timeoutMs: number): Error {
  if (err instanceof ModbusTimeoutError || err instanceof LinkDownError) return err;
  if (typeof err.modbusCode === 'number') return new ModbusExceptionError(err.modbusCode);
  if (err.errno === 'ETIMEDOUT' || err.name === 'TransactionTimedOutError') return new ModbusTimeoutError(`no response within ${timeoutMs} ms`);
  if (/CRC|length|Unexpected data/i.test(err.message)) return new ModbusFrameError(err.message);
  return new LinkDownError(err.message, { cause: err });
}
