import { SerialPort } from 'serialport';
import type { SimMeter } from './meter.ts';
import { serveRtuLine, silenceMs } from './rtu-line.ts';

export interface RtuEndpoint {
  readonly path: string;
  close(): Promise<void>;
}

/** Modbus RTU on a serial device (an RS-485 adapter, or one end of a pty pair in tests). */
export async function serveRtuSerial(
  meters: ReadonlyMap<number, SimMeter>,
  seed: number,
  path: string,
  baudRate = 9600,
): Promise<RtuEndpoint> {
  // Spec 2.5.1: RTU is 8 data bits; with no parity, 1 stop bit is the common setting (mbpoll -P none).
  const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  // A pty whose other end goes away reports errors; the line is simply dead until closed.
  port.on('error', () => {});
  // There is no connection to drop on a serial line: a "disconnected" meter goes silent.
  const detach = serveRtuLine(port, meters, seed, { silenceMs: silenceMs(baudRate) });
  return {
    path,
    close: () => new Promise<void>((resolve) => {
      detach();
      if (!port.isOpen) return resolve();
      port.close(() => resolve());
    }),
  };
}
