import type net from 'node:net';
import ModbusSerial, { type IServiceVector } from 'modbus-serial';
import type { SimMeter } from './meter.ts';
import { reply } from './pdu.ts';

const { ServerTCP } = ModbusSerial;

export interface TcpEndpoint {
  readonly host: string;
  readonly port: number;
  dropConnections(): void;
  close(): Promise<void>;
}

type Cb<T> = (err: { modbusErrorCode: number; message: string } | null, value?: T) => void;

/**
 * Modbus TCP through modbus-serial's ServerTCP, which does the MBAP framing. Each read is turned
 * back into its PDU and answered by the shared PDU handler, so TCP and RTU answer alike.
 * ServerTCP itself answers a quantity of 0 with exception 02 and one above 127 with 04 before
 * asking us; quantities 126–127 reach the handler and get 03 as spec 6.3 says.
 */
export async function serveTcp(meters: ReadonlyMap<number, SimMeter>, seed: number, host: string, port: number): Promise<TcpEndpoint> {
  const sockets = (): Map<net.Socket, 0> => server.socks;

  function answer<T>(unitId: number, pdu: Buffer, cb: Cb<T>, pick: (data: number[]) => T): void {
    const meter = meters.get(unitId);
    // A unit id nobody serves stays silent, as the missing device behind a gateway would.
    if (!meter) return;
    void reply(meter, pdu, seed).then((r) => {
      if (r.kind === 'none') return;
      if (r.kind === 'disconnect') {
        for (const s of sockets().keys()) s.destroy();
        return;
      }
      if (r.kind === 'garbage' || r.corruptCrc) {
        const junk = r.kind === 'garbage' ? r.bytes : r.pdu;
        for (const s of sockets().keys()) s.write(junk);
        return;
      }
      const out = r.pdu;
      if (out[0]! & 0x80) {
        // ServerTCP indexes the value array even on error: hand it an empty one.
        cb({ modbusErrorCode: out[1]!, message: `exception ${out[1]}` }, pick([]));
        return;
      }
      const words: number[] = [];
      for (let i = 2; i + 1 < out.length; i += 2) words.push(out.readUInt16BE(i));
      cb(null, pick(words));
    });
  }
  const readPdu = (fc: number, addr: number, length: number) => {
    const pdu = Buffer.alloc(5);
    pdu[0] = fc;
    pdu.writeUInt16BE(addr, 1);
    pdu.writeUInt16BE(length, 3);
    return pdu;
  };
  const refuse = (fc: number) => (...args: unknown[]) => {
    const cb = args.at(-1) as Cb<never>;
    answer(args.at(-2) as number, Buffer.from([fc]), cb, () => undefined as never);
  };

  const vector = {
    getInputRegister: (addr: number, unitID: number, cb: Cb<number>) => answer(unitID, readPdu(4, addr, 1), cb, (w) => w[0]!),
    getHoldingRegister: (addr: number, unitID: number, cb: Cb<number>) => answer(unitID, readPdu(3, addr, 1), cb, (w) => w[0]!),
    getMultipleInputRegisters: (addr: number, length: number, unitID: number, cb: Cb<number[]>) => answer(unitID, readPdu(4, addr, length), cb, (w) => w),
    getMultipleHoldingRegisters: (addr: number, length: number, unitID: number, cb: Cb<number[]>) => answer(unitID, readPdu(3, addr, length), cb, (w) => w),
    // Meters are read-only: coils, inputs and writes get exception 01 from the shared handler.
    getCoil: (_a: number, _u: number, _cb: Cb<boolean>) => refuse(1)(_a, _u, _cb),
    getDiscreteInput: (_a: number, _u: number, _cb: Cb<boolean>) => refuse(2)(_a, _u, _cb),
    setCoil: (_a: number, _v: boolean, _u: number, _cb: Cb<void>) => refuse(5)(_a, _v, _u, _cb),
    setRegister: (_a: number, _v: number, _u: number, _cb: Cb<void>) => refuse(6)(_a, _v, _u, _cb),
    setRegisterArray: (_a: number, _v: number[], _u: number, _cb: Cb<void>) => refuse(16)(_a, _v, _u, _cb),
  };

  // ServerTCP falls back to port 502 for a falsy port; the string '0' still asks the OS for any free port.
  const server = new ServerTCP(vector as unknown as IServiceVector, { host, port: (port === 0 ? '0' : port) as number, unitID: 255 });
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('serverError', (err: Error) => reject(err));
  });
  // Connection resets from clients are theirs to report, not a reason to stop serving.
  server.on('socketError', () => {});
  const bound = (server as unknown as { _server: net.Server })._server.address() as net.AddressInfo;
  return {
    host,
    port: bound.port,
    dropConnections: () => {
      for (const s of sockets().keys()) s.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
