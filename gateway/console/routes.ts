import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import { ZmError, formatIssues } from '../../core/index.ts';
import type { GatewayConfig } from '../config.ts';
import type { Poller } from '../poll/index.ts';
import type { ConsoleAuth } from './auth.ts';
import { checkConfig } from './check.ts';
import { ReadRequestSchema, readOnce } from './read.ts';
import { ScanRequestSchema, createScanner } from './scan.ts';
import { CONSOLE_ASSETS, json } from './lazy.ts';

export interface Answer {
  status: number;
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

export interface ConsoleDeps {
  config: GatewayConfig;
  /** The file the gateway was started with, checked again on request. */
  configFile?: string | undefined;
  /** The prebuilt page (scripts/build-console.ts); absent: `/` says how to build it. */
  consoleDir?: string | undefined;
  poller: Pick<Poller, 'line'>;
  auth: ConsoleAuth;
  now(): number;
}

export interface ConsoleRoutes {
  /** The page and its assets, served to anyone: they hold no data, and the page asks for the password. */
  asset(pathname: string): Promise<Answer | null>;
  /** Routes reachable without a session: the login itself. */
  open(req: IncomingMessage, pathname: string): Promise<Answer | null>;
  /** The actions, after the listener checked the session. */
  api(req: IncomingMessage, pathname: string): Promise<Answer | null>;
}

const ASSETS = CONSOLE_ASSETS;
// The page loads only its own script and style and talks only to this listener; no framing,
// so another site cannot overlay it and click the actions.
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', 'referrer-policy': 'no-referrer',
};
const MAX_BODY = 16 * 1024;

export { json };

/** A JSON body, at most MAX_BODY bytes, parsed with `schema`; every problem named by its field. */
async function body<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  // A form another site posts cannot carry this type without the browser asking first (CORS),
  // which this listener never allows: with the SameSite cookie, that keeps actions same-origin.
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new ZmError('ERR_BAD_REQUEST', 'expected content-type: application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ZmError('ERR_BAD_REQUEST', `body over ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ZmError('ERR_BAD_REQUEST', 'body is not JSON');
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new ZmError('ERR_BAD_REQUEST', formatIssues(r.error.issues));
  return r.data;
}

const LoginSchema = z.object({ password: z.string().min(1, 'enter the password').max(256) }).strict();

export function consoleRoutes(deps: ConsoleDeps): ConsoleRoutes {
  const scanner = createScanner(deps.config, deps.poller, deps.now);
  return {
    async asset(pathname) {
      const a = ASSETS[pathname];
      if (!a) return null;
      if (!deps.consoleDir) return json(404, { code: 'ERR_NOT_FOUND', message: 'console page not built: run `npm run build:console` in the source tree (a release carries it in gateway/console/dist)' });
      try {
        // Read on each request, never kept: the page costs the gateway no memory between visits.
        return { status: 200, type: a[1], body: await readFile(path.join(deps.consoleDir, a[0])), headers: PAGE_HEADERS };
      } catch {
        return json(404, { code: 'ERR_NOT_FOUND', message: `console page not built: no ${path.join(deps.consoleDir, a[0])}` });
      }
    },
    async open(req, pathname) {
      if (pathname === '/api/v1/console/session' && req.method === 'GET') {
        const allowed = deps.auth.required ? (await deps.auth.allowed(req)) === true : true;
        return json(200, { password: deps.auth.required, authenticated: allowed, site: deps.config.site, gateway: deps.config.gateway });
      }
      if (pathname === '/api/v1/console/login' && req.method === 'POST') {
        if (!deps.auth.required) return json(200, { authenticated: true });
        const { password } = await body(req, LoginSchema);
        const r = await deps.auth.login(req.socket.remoteAddress ?? '?', password);
        if (r.ok) return json(200, { authenticated: true }, { 'set-cookie': r.cookie });
        return json(r.status, { code: r.status === 429 ? 'ERR_RATE_LIMITED' : 'ERR_UNAUTHORIZED', message: r.message }, r.retryAfterS ? { 'retry-after': String(r.retryAfterS) } : undefined);
      }
      if (pathname === '/api/v1/console/logout' && req.method === 'POST') {
        return json(200, { authenticated: false }, { 'set-cookie': deps.auth.logout(req) });
      }
      return null;
    },
    async api(req, pathname) {
      if (req.method === 'POST' && pathname === '/api/v1/console/scan') {
        return json(202, scanner.start(await body(req, ScanRequestSchema)));
      }
      const job = /^\/api\/v1\/console\/jobs\/([a-z0-9-]{1,32})$/.exec(pathname)?.[1];
      if (req.method === 'GET' && job) {
        const j = scanner.job(job);
        return j ? json(200, j) : json(404, { code: 'ERR_NOT_FOUND', message: `job: no job "${job}" (finished jobs are kept for a while, then dropped)` });
      }
      if (req.method === 'POST' && pathname === '/api/v1/console/read') {
        return json(200, await readOnce(await body(req, ReadRequestSchema), deps.config, deps.poller, scanner, deps.now));
      }
      if (req.method === 'POST' && pathname === '/api/v1/console/check') {
        return json(200, checkConfig(deps.config, deps.configFile));
      }
      return null;
    },
  };
}
