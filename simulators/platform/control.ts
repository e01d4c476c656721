import http from 'node:http';
import type net from 'node:net';
import type { PlatformSimulator } from './index.ts';

export interface PlatformControl {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Test control of a running platform simulator: GET /status, POST /down[?for_s=N], POST /up,
 * POST /drop, POST /lose-acks?n=N, POST /refuse?n=N. No bodies are read, so nothing an outside party sends is buffered.
 */
export async function serveControl(sim: PlatformSimulator, host: string, port: number): Promise<PlatformControl> {
  let upTimer: NodeJS.Timeout | undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    void (async () => {
      if (req.method === 'GET' && url.pathname === '/status') {
        return send(200, { port: sim.port, listening: sim.listening, stored: sim.periods().length, counters: sim.counters });
      }
      if (req.method === 'POST' && url.pathname === '/down') {
        const forS = url.searchParams.get('for_s');
        const s = forS === null ? null : Number(forS);
        if (s !== null && !(Number.isFinite(s) && s > 0 && s <= 7 * 86_400)) return send(400, { error: 'ERR_BAD_REQUEST', message: 'for_s: expected seconds, 0 < for_s ≤ 604800' });
        clearTimeout(upTimer);
        await sim.down();
        if (s !== null) upTimer = setTimeout(() => { void sim.up(); }, s * 1000);
        return send(200, { listening: false, up_in_s: s });
      }
      if (req.method === 'POST' && url.pathname === '/up') {
        clearTimeout(upTimer);
        await sim.up();
        return send(200, { listening: true });
      }
      if (req.method === 'POST' && (url.pathname === '/lose-acks' || url.pathname === '/refuse')) {
        const n = Number(url.searchParams.get('n') ?? '1');
        if (!Number.isInteger(n) || n < 0 || n > 10_000) return send(400, { error: 'ERR_BAD_REQUEST', message: 'n: expected an integer 0–10000' });
        if (url.pathname === '/refuse') sim.refuseAcks = n;
        else sim.loseAcks = n;
        return send(200, { [url.pathname.slice(1)]: n });
      }
      if (req.method === 'POST' && url.pathname === '/drop') {
        sim.drop();
        return send(200, { dropped: true });
      }
      return send(404, { error: 'ERR_NOT_FOUND', message: `no route ${req.method} ${url.pathname}` });
    })().catch((err: Error) => send(500, { error: 'ERR_INTERNAL', message: err.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as net.AddressInfo;
  return {
    url: `http://${host}:${a.port}`,
    async close() {
      clearTimeout(upTimer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
