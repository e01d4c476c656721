import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import ModbusSerial from 'modbus-serial';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkDownError, ModbusExceptionError, ModbusFrameError, ModbusTimeoutError } from '../../../../gateway/drivers/errors.ts';
import { createModbusTcpLink } from '../../../../gateway/drivers/modbus-tcp.ts';
import type { ModbusLink } from '../../../../gateway/drivers/link.ts';

// The Modbus TCP link against two peers: modbus-serial's ServerTCP (a third-party server) for
// plain reads and exceptions, and a scripted socket server for what a real device or a serial
// server in front of it does wrong: late answers, split and merged segments, wrong units,
// broken framing, dropped connections, floods.

interface Request { tid: number; unit: number; fc: number; address: number; count: number }
type Script = (req: Request, sock: net.Socket, n: number) => void;

/** Register value a scripted device holds at an address: easy to check, distinct per address. */
const valueAt = (address: number) => (address * 7 + 1) & 0xffff;

function answer(req: Request, over: Partial<{ tid: number; unit: number; fc: number; bytes: number; protocol: number }> = {}): Buffer {
  const data = Buffer.alloc(req.count * 2);
  for (let i = 0; i < req.count; i++) data.writeUInt16BE(valueAt(req.address + i), i * 2);
  const pdu = Buffer.concat([Buffer.from([over.fc ?? req.fc, over.bytes ?? data.length]), data]);
  const head = Buffer.alloc(7);
  head.writeUInt16BE(over.tid ?? req.tid, 0);
  head.writeUInt16BE(over.protocol ?? 0, 2);
  head.writeUInt16BE(pdu.length + 1, 4);
  head[6] = over.unit ?? req.unit;
  return Buffer.concat([head, pdu]);
}

function exception(req: Request, code: number): Buffer {
  const b = Buffer.from([0, 0, 0, 0, 0, 3, req.unit, req.fc | 0x80, code]);
  b.writeUInt16BE(req.tid, 0);
  return b;
}

async function scripted(script: Script): Promise<{ port: number; connections: () => number; requests: Request[]; close(): Promise<void> }> {
  const socks = new Set<net.Socket>();
  const requests: Request[] = [];
  let connections = 0;
  const server = net.createServer((sock) => {
    connections++;
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 12) {
        const req = { tid: buf.readUInt16BE(0), unit: buf[6]!, fc: buf[7]!, address: buf.readUInt16BE(8), count: buf.readUInt16BE(10) };
        buf = buf.subarray(12);
        requests.push(req);
        script(req, sock, requests.length);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    requests,
    close: () => new Promise<void>((r) => {
      for (const s of socks) s.destroy();
      server.close(() => r());
    }),
  };
}

const REPO = path.resolve(import.meta.dirname, '../../../..');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function track<T extends { close(): Promise<void> }>(x: T): T {
  cleanups.push(() => x.close());
  return x;
}
const link = (port: number, opts?: Parameters<typeof createModbusTcpLink>[1]): ModbusLink => track(createModbusTcpLink({ host: '127.0.0.1', port }, opts));
const words = (b: Buffer) => Array.from({ length: b.length / 2 }, (_, i) => b.readUInt16BE(i * 2));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Modbus TCP link', () => {
  it('reads input and holding registers from modbus-serial ServerTCP and reports its exceptions', async () => {
    const server = await new Promise<InstanceType<typeof ModbusSerial.ServerTCP>>((resolve, reject) => {
      const s = new ModbusSerial.ServerTCP({
        getInputRegister: (addr: number) => addr + 100,
        getHoldingRegister: (addr: number) => {
          if (addr >= 1000) throw Object.assign(new Error('illegal data address'), { modbusErrorCode: 2 });
          return addr + 200;
        },
      }, { host: '127.0.0.1', port: 0, unitID: 255 });
      s.on('initialized', () => resolve(s));
      s.on('serverError', reject);
    });
    cleanups.push(() => new Promise<void>((r) => { for (const sock of server.socks.keys()) sock.destroy(); server.close(() => r()); }));
    const port = (server as unknown as { _server: net.Server })._server.address() as net.AddressInfo;
    const l = link(port.port);
    expect(words(await l.readRegisters(1, 4, 10, 3, 1000))).toEqual([110, 111, 112]);
    expect(words(await l.readRegisters(7, 3, 0, 125, 1000))).toHaveLength(125);
    const err = await l.readRegisters(1, 3, 1000, 2, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModbusExceptionError);
    expect((err as ModbusExceptionError).exceptionCode).toBe(2);
    // The link is still usable after an exception.
    expect(words(await l.readRegisters(1, 3, 5, 1, 1000))).toEqual([205]);
  });

  it('discards a late answer to a timed-out request, even when it arrives in one segment with the next', async () => {
    let held: Buffer | null = null;
    const srv = track(await scripted((req, sock, n) => {
      if (n === 1) { held = answer(req); return; }
      sock.write(Buffer.concat([held!, answer(req)]));
    }));
    const l = link(srv.port);
    await expect(l.readRegisters(1, 3, 0, 2, 150)).rejects.toBeInstanceOf(ModbusTimeoutError);
    expect(words(await l.readRegisters(1, 3, 50, 2, 1000))).toEqual([valueAt(50), valueAt(51)]);
    expect(srv.connections()).toBe(1);
    expect(srv.requests[1]!.tid).not.toBe(srv.requests[0]!.tid);
  });

  it('assembles an answer that arrives a byte at a time', async () => {
    const srv = track(await scripted((req, sock) => {
      const a = answer(req);
      let i = 0;
      const next = () => { if (i < a.length && !sock.destroyed) { sock.write(a.subarray(i, ++i)); setTimeout(next, 2); } };
      next();
    }));
    const l = link(srv.port);
    expect(words(await l.readRegisters(3, 4, 100, 4, 2000))).toEqual([100, 101, 102, 103].map(valueAt));
  });

  it('refuses an answer from another unit, with another function code, or with a wrong byte count', async () => {
    const srv = track(await scripted((req, sock, n) => {
      if (n === 1) sock.write(answer(req, { unit: req.unit + 1 }));
      else if (n === 2) sock.write(answer(req, { fc: 4 }));
      else if (n === 3) sock.write(answer(req, { bytes: req.count * 2 - 2 }));
      else sock.write(answer(req));
    }));
    const l = link(srv.port);
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await l.readRegisters(5, 3, 0, 2, 1000).catch((e: unknown) => e));
    expect(errors.map((e) => (e as Error).constructor)).toEqual([ModbusFrameError, ModbusFrameError, ModbusFrameError]);
    expect((errors[0] as Error).message).toMatch(/unit 6, asked unit 5/);
    expect((errors[1] as Error).message).toMatch(/function code 4, asked 3/);
    expect((errors[2] as Error).message).toMatch(/expected 4 register bytes, got 2/);
    expect(words(await l.readRegisters(5, 3, 0, 2, 1000))).toEqual([valueAt(0), valueAt(1)]);
  });

  it('maps every exception code to ModbusExceptionError with its name', async () => {
    const srv = track(await scripted((req, sock) => sock.write(exception(req, req.address))));
    const l = link(srv.port);
    for (const code of [1, 2, 3, 4, 6, 11]) {
      const err = await l.readRegisters(1, 4, code, 1, 1000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModbusExceptionError);
      expect((err as ModbusExceptionError).exceptionCode).toBe(code);
    }
  });

  it('drops a connection whose framing is lost, and opens a new one for the next read', async () => {
    const srv = track(await scripted((req, sock, n) => {
      if (n === 1) sock.write(Buffer.from([0, 1, 0, 0, 0xff, 0xff, 1, 3]));
      else if (n === 2) sock.write(answer(req, { protocol: 7 }));
      else sock.write(answer(req));
    }));
    const l = link(srv.port, { reconnectDelayMs: 0 });
    await expect(l.readRegisters(1, 3, 0, 1, 1000)).rejects.toThrow(/frame length 65535 out of range/);
    await expect(l.readRegisters(1, 3, 0, 1, 1000)).rejects.toThrow(/protocol identifier 7/);
    expect(words(await l.readRegisters(1, 3, 9, 1, 1000))).toEqual([valueAt(9)]);
    expect(srv.connections()).toBe(3);
  });

  it('fails at once with LinkDownError when the device closes the connection mid-transaction', async () => {
    const srv = track(await scripted((_req, sock) => sock.destroy()));
    const l = link(srv.port);
    const t0 = Date.now();
    await expect(l.readRegisters(1, 3, 0, 1, 5000)).rejects.toBeInstanceOf(LinkDownError);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('opens a new connection for the next read after the device ends its side', async () => {
    const srv = track(await scripted((req, sock) => { sock.write(answer(req)); sock.end(); }));
    const l = link(srv.port, { reconnectDelayMs: 0 });
    expect(words(await l.readRegisters(1, 3, 4, 1, 1000))).toEqual([valueAt(4)]);
    await sleep(50);
    expect(words(await l.readRegisters(1, 3, 5, 1, 1000))).toEqual([valueAt(5)]);
    expect(srv.connections()).toBe(2);
  });

  it('does not retry a refused connection before the reconnect delay, then connects', async () => {
    const probe = await scripted(() => undefined);
    const port = probe.port;
    await probe.close();
    const l = link(port, { reconnectDelayMs: 400 });
    await expect(l.readRegisters(1, 3, 0, 1, 500)).rejects.toThrow(/ECONNREFUSED/);
    await expect(l.readRegisters(1, 3, 0, 1, 500)).rejects.toThrow(/not connected \(last attempt: .*ECONNREFUSED/);
    const socks: net.Socket[] = [];
    const srv = net.createServer((sock) => {
      socks.push(sock);
      sock.on('data', (b) => sock.write(answer({ tid: b.readUInt16BE(0), unit: b[6]!, fc: b[7]!, address: b.readUInt16BE(8), count: b.readUInt16BE(10) })));
    });
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => { for (const s of socks) s.destroy(); srv.close(() => r()); }));
    await sleep(450);
    expect(words(await l.readRegisters(1, 3, 2, 1, 1000))).toEqual([valueAt(2)]);
  });

  it('keeps answering through a flood of stray frames without holding on to them', async () => {
    // 40,000 frames of the largest size with transaction ids nobody asked for (about 10 MB), then
    // the real answer: each stray frame is dropped as it completes. Measured in a process of its
    // own with gc() on both sides, since this worker's heap holds other tests' garbage.
    const script = `
      import net from 'node:net';
      import { createModbusTcpLink } from './gateway/drivers/modbus-tcp.ts';
      const frame = (tid, count) => {
        const b = Buffer.alloc(9 + count * 2);
        b.writeUInt16BE(tid, 0); b.writeUInt16BE(3 + count * 2, 4); b[6] = 1; b[7] = 3; b[8] = count * 2;
        for (let i = 0; i < count; i++) b.writeUInt16BE(20 + i, 9 + i * 2);
        return b;
      };
      const server = net.createServer((sock) => sock.on('data', (req) => {
        const tid = req.readUInt16BE(0);
        const burst = Buffer.concat(Array.from({ length: 1000 }, () => frame((tid + 1) & 0xffff, 125)));
        let left = 40;
        const more = () => {
          while (left > 0) { left--; if (!sock.write(burst)) { sock.once('drain', more); return; } }
          sock.write(frame(tid, 2));
        };
        more();
      }));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const link = createModbusTcpLink({ host: '127.0.0.1', port: server.address().port });
      // Buffers live outside V8's heap: count their memory too.
      const heap = () => { globalThis.gc(); globalThis.gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
      const before = heap();
      const words = await link.readRegisters(1, 3, 20, 2, 20000);
      const keptMb = (heap() - before) / 1048576;
      console.log(JSON.stringify({ words: [words.readUInt16BE(0), words.readUInt16BE(2)], keptMb }));
      await link.close();
      server.close();
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, timeout: 60_000 });
    const out = JSON.parse(stdout) as { words: number[]; keptMb: number };
    expect(out.words).toEqual([20, 21]);
    expect(out.keptMb).toBeLessThan(2);
  }, 90_000);

  it('wraps its transaction id past 65,535 and still matches answers', async () => {
    const srv = track(await scripted((req, sock) => sock.write(answer(req))));
    const l = link(srv.port);
    for (let i = 0; i < 65_540; i++) await l.readRegisters(1, 4, i % 1000, 1, 1000);
    const ids = srv.requests.map((r) => r.tid);
    expect(ids.slice(65_533, 65_539)).toEqual([65_534, 65_535, 0, 1, 2, 3]);
    expect(words(await l.readRegisters(1, 4, 77, 1, 1000))).toEqual([valueAt(77)]);
  }, 120_000);

  it('refuses reads after close and a register count outside 1–125', async () => {
    const srv = track(await scripted((req, sock) => sock.write(answer(req))));
    const l = createModbusTcpLink({ host: '127.0.0.1', port: srv.port });
    await expect(l.readRegisters(1, 3, 0, 126, 1000)).rejects.toThrow(/register count 126 out of range/);
    expect(words(await l.readRegisters(1, 3, 0, 1, 1000))).toEqual([valueAt(0)]);
    await l.close();
    await expect(l.readRegisters(1, 3, 0, 1, 1000)).rejects.toBeInstanceOf(LinkDownError);
  });
});
