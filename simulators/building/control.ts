import http from 'node:http';
import type net from 'node:net';
import { z } from 'zod';
import { Id } from '../../core/index.ts';
import type { Building } from './index.ts';
import { BuildingFaultSchema } from './schema.ts';

export const FaultRequestSchema = z.object({
  meter: Id,
  /** null clears every fault of the meter and brings its link back. */
  fault: BuildingFaultSchema.nullable(),
  /** Clears the fault again after this many simulated minutes. */
  forMin: z.number().positive().optional(),
}).strict();

export const ReplaceRequestSchema = z.object({ meter: Id, first: z.number().min(0) }).strict();

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) {
    super(String(body.message));
  }
}

const MAX_BODY = 64 * 1024;

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new HttpError(413, { error: 'ERR_TOO_LARGE', message: `body over ${MAX_BODY} bytes` });
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, { error: 'ERR_VALIDATION', message: 'body is not JSON' });
  }
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
  throw new HttpError(400, { error: 'ERR_VALIDATION', message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues });
}

/**
 * A small HTTP API to drive a running building from tests and demos: list the meters with their
 * values, apply and clear faults, swap a meter. Loopback only by default: it has no authentication.
 */
export async function serveControl(building: Building, host: string, port: number): Promise<ControlServer> {
  const known = (id: string) => {
    if (!building.model.meters.some((m) => m.id === id)) throw new HttpError(404, { error: 'ERR_NOT_FOUND', message: `meter: no meter "${id}"` });
  };
  const handle = async (req: http.IncomingMessage): Promise<[number, unknown]> => {
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    switch (route) {
      case 'GET /meters':
        return [200, { now: Math.round(building.clock.now()), started: Math.round(building.started), endpoints: [...building.endpoints.values()], meters: building.status() }];
      case 'POST /faults': {
        const body = parse(FaultRequestSchema, await readJson(req));
        known(body.meter);
        try {
          const out = await building.fault(body.meter, body.fault, body.forMin === undefined ? undefined : body.forMin * 60_000);
          return [200, { meter: body.meter, fault: body.fault, ...out }];
        } catch (err) {
          // A float register has no wrap point: the request cannot be honoured for this meter.
          throw new HttpError(409, { error: 'ERR_CONFLICT', message: `fault: ${(err as Error).message}` });
        }
      }
      case 'POST /replace': {
        const body = parse(ReplaceRequestSchema, await readJson(req));
        known(body.meter);
        return [200, building.replace(body.meter, body.first)];
      }
      default:
        throw new HttpError(404, { error: 'ERR_NOT_FOUND', message: `no route ${route} (GET /meters, POST /faults, POST /replace)` });
    }
  };
  const server = http.createServer((req, res) => {
    void handle(req).then(([status, body]) => [status, body] as const, (err: unknown) => (err instanceof HttpError
      ? [err.status, err.body] as const
      : [500, { error: 'ERR_INTERNAL', message: 'internal error' }] as const))
      .then(([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as net.AddressInfo;
  return {
    url: `http://${host}:${bound.port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
