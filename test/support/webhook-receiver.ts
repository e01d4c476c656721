import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Decides each answer: status and body (default 200 `{"errcode":0}`), or 'hang' to never answer. */
  answer: (r: Received, n: number) => { status: number; body?: string } | 'hang';
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port that records every request. */
export async function startReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const hanging = new Set<http.ServerResponse>();
  const rx: WebhookReceiver = {
    url: '', received: [], answer: () => ({ status: 200 }),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      rx.received.push(r);
      const a = rx.answer(r, rx.received.length);
      if (a === 'hang') { hanging.add(res); return; }
      res.writeHead(a.status, { 'Content-Type': 'application/json' }).end(a.body ?? '{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  rx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return rx;
}
