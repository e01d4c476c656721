import http from 'node:http';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../../core/password.ts';
import { createConsoleAuth, type ConsoleAuth } from '../../../../gateway/console/auth.ts';
import { consoleRoutes } from '../../../../gateway/console/routes.ts';
import { GatewayConfigSchema } from '../../../../gateway/config.ts';
import { buildHealthServer, type HealthServer } from '../../../../gateway/health/server.ts';

const PASSWORD = 'room-b2-console';
const req = (headers: Record<string, string> = {}, address = '127.0.0.1') => ({ headers, socket: { remoteAddress: address } }) as unknown as http.IncomingMessage;
const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

describe('console auth', () => {
  it('asks for nothing without a password', async () => {
    const auth = createConsoleAuth({ listen: '127.0.0.1:1' });
    expect(auth.required).toBe(false);
    expect(await auth.allowed(req())).toBe(true);
  });

  it('gives a session cookie (HttpOnly, SameSite=Strict) for the right password only', async () => {
    const auth = createConsoleAuth({ listen: '0.0.0.0:1', password: PASSWORD });
    expect(await auth.allowed(req())).toBe(false);
    expect(await auth.login('10.0.0.9', 'wrong-password')).toEqual({ ok: false, status: 401, message: 'wrong password' });
    const r = await auth.login('10.0.0.9', PASSWORD);
    if (!r.ok) throw new Error(r.message);
    expect(r.cookie).toMatch(/^zm_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(await auth.allowed(req({ cookie: `other=1; ${cookieOf(r.cookie)}` }))).toBe(true);
    expect(await auth.allowed(req({ cookie: 'zm_console=forged' }))).toBe(false);
    auth.logout(req({ cookie: cookieOf(r.cookie) }));
    expect(await auth.allowed(req({ cookie: cookieOf(r.cookie) }))).toBe(false);
  });

  it('checks a scrypt hash, one check at a time', async () => {
    const auth = createConsoleAuth({ listen: '0.0.0.0:1', passwordHash: await hashPassword(PASSWORD) });
    const [a, b] = await Promise.all([auth.login('10.0.0.1', PASSWORD), auth.login('10.0.0.2', PASSWORD)]);
    expect(a.ok).toBe(true);
    expect(b).toMatchObject({ ok: false, status: 429, message: expect.stringMatching(/another login is being checked/) });
    expect((await auth.login('10.0.0.2', 'not-it-at-all')).ok).toBe(false);
  });

  it('takes HTTP Basic credentials for scrapers, hashing them once', async () => {
    const auth = createConsoleAuth({ listen: '0.0.0.0:1', passwordHash: await hashPassword(PASSWORD) });
    const basic = (p: string) => req({ authorization: `Basic ${Buffer.from(`prometheus:${p}`).toString('base64')}` });
    expect(await auth.allowed(basic(PASSWORD))).toBe(true);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) expect(await auth.allowed(basic(PASSWORD))).toBe(true);
    // Twenty scrypt checks would take far longer than this.
    expect(performance.now() - t0).toBeLessThan(200);
    expect(await auth.allowed(basic('wrong-password'))).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses an address after five failures, even with the right password, until the window passes', async () => {
    let now = 0;
    const auth = createConsoleAuth({ listen: '0.0.0.0:1', password: PASSWORD }, { now: () => now });
    for (let i = 0; i < 5; i++) expect((await auth.login('10.0.0.7', `guess-${i}xxxx`)).ok).toBe(false);
    expect(await auth.login('10.0.0.7', PASSWORD)).toMatchObject({ ok: false, status: 429, retryAfterS: 60 });
    expect((await auth.login('10.0.0.8', PASSWORD)).ok).toBe(true);
    now += 60_001;
    expect((await auth.login('10.0.0.7', PASSWORD)).ok).toBe(true);
  });

  it('keeps its tables bounded under a flood of guesses from many addresses', async () => {
    let now = 0;
    // No overall allowance here, so every address is remembered until the table is full.
    const wide = createConsoleAuth({ listen: '0.0.0.0:1', password: PASSWORD }, { now: () => now, overall: 1e9 });
    for (let i = 0; i < 100_000; i++) {
      await wide.login(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'guessing-away');
      if (i % 1000 === 0) now += 10;
    }
    expect(wide.sizes()).toEqual({ addresses: 1024, sessions: 0 });
    // With the default overall allowance, the flood is refused before any hashing after 30 guesses.
    const auth = createConsoleAuth({ listen: '0.0.0.0:1', password: PASSWORD }, { now: () => now });
    const answers = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const r = await auth.login(`10.1.${(i >> 8) & 255}.${i & 255}`, 'guessing-away');
      const status = r.ok ? 200 : r.status;
      answers.set(status, (answers.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(answers)).toEqual({ 401: 30, 429: 9970 });
    expect(auth.sizes().addresses).toBe(30);
    // Sessions too: logging in again and again keeps the newest 32.
    for (let i = 0; i < 100; i++) await wide.login('10.2.0.1', PASSWORD);
    expect(wide.sizes().sessions).toBe(32);
  });
});

describe('console login over HTTP', () => {
  let server: HealthServer;
  let url: string;
  let auth: ConsoleAuth;
  const now = { t: 0 };

  afterAll(async () => {
    await server?.close();
  });

  it('keeps answering, with bounded tables, while guesses come from a thousand loopback addresses', async () => {
    const config = GatewayConfigSchema.parse({
      site: 's', gateway: 'g', building: 'b', http: { listen: '127.0.0.1:0', password: PASSWORD },
      buses: [{ id: 'b1', type: 'tcp', host: '127.0.0.1' }], meters: [{ id: 'm', bus: 'b1', unitId: 1, model: 'SDM630', zone: 'other', endUse: 'total' }],
    });
    auth = createConsoleAuth(config.http, { now: () => now.t });
    const journal = { records: 0, bytes: 0, firstSeq: null, lastSeq: 0, ackedSeq: 0, durableSeq: 0, oldestUnackedTs: null, droppedRecords: 0, tornRecordsSkipped: 0, alarms: [] };
    server = buildHealthServer({
      site: 's', gateway: 'g', startedAt: 0, now: () => now.t, config, meters: () => [], journal: () => journal as never, uplink: () => ({ state: 'offline' }) as never,
    }, pino({ level: 'silent' }), { auth, routes: consoleRoutes({ config, poller: { line: () => undefined }, auth, now: () => now.t }) });
    url = await server.listen({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(url).port);

    const post = (path: string, body: unknown, localAddress = '127.0.0.1', headers: Record<string, string> = {}) => new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port, path, method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => { b += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: b }));
      });
      r.on('error', reject);
      r.end(JSON.stringify(body));
    });

    expect((await fetch(`${url}/api/v1/status`)).status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/api/v1/console/session`)).json()).toMatchObject({ password: true, authenticated: false });
    expect(await post('/api/v1/console/login', { pasword: 'x' })).toMatchObject({ status: 400, body: expect.stringContaining('Unrecognized key') });

    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const r = await post('/api/v1/console/login', { password: `guess-${i}` }, `127.0.${(i >> 8) + 1}.${(i & 255) || 1}`);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    expect(statuses.get(401)).toBe(30);
    expect(statuses.get(429)).toBe(970);
    expect(auth.sizes().addresses).toBeLessThanOrEqual(30);
    // The honest engineer waits out the window, then gets in.
    now.t += 60_001;
    const ok = await post('/api/v1/console/login', { password: PASSWORD }, '127.0.9.9');
    expect(ok.status).toBe(200);
    const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
    expect((await fetch(`${url}/api/v1/status`, { headers: { cookie } })).status).toBe(200);
  }, 60_000);
});
