import net from 'node:net';
import { Aedes } from 'aedes';
import { GatewayConfigSchema, type GatewayConfig } from '../../../../gateway/config.ts';

/** aedes on a loopback port; close() cuts every client, listen() takes the same port again. */
export async function broker(port = 0): Promise<{ aedes: Aedes; port: number; url: string; close(): Promise<void> }> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    aedes.handle(s);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const bound = (server.address() as net.AddressInfo).port;
  return {
    aedes, port: bound, url: `mqtt://127.0.0.1:${bound}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

export function uplinkConfig(url: string, uplink: Record<string, unknown> = {}): GatewayConfig {
  return GatewayConfigSchema.parse({
    site: 'site-u', gateway: 'gw-u', building: 'hall', uplink: { url, ...uplink },
    buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1' }],
    meters: [{ id: 'm1', bus: 'tcp-1', unitId: 1, model: 'SDM630', zone: 'administrative', endUse: 'total' }],
  });
}

export async function until<T>(f: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
