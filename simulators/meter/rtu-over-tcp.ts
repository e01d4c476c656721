import net from 'node:net';
import type { SimMeter } from './meter.ts';
import { serveRtuLine } from './rtu-line.ts';

export interface RtuOverTcpEndpoint {
  readonly host: string;
  readonly port: number;
  /** Drops every open connection, as a bridge that reboots does. */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * Raw RTU frames (with CRC) over TCP, as a serial-to-Ethernet bridge in transparent mode forwards
 * them from its RS-485 side: no MBAP header, one RTU line shared by all unit ids.
 */
export async function serveRtuOverTcp(
  meters: ReadonlyMap<number, SimMeter>,
  seed: number,
  host: string,
  port: number,
): Promise<RtuOverTcpEndpoint> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    const detach = serveRtuLine(sock, meters, seed, { silenceMs: 20, onDisconnect: () => sock.destroy() });
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
    host,
    port: (server.address() as net.AddressInfo).port,
    dropConnections,
    close: () => new Promise<void>((resolve) => {
      dropConnections();
      server.close(() => resolve());
    }),
  };
}
