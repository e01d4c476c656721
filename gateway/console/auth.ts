import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoginLimiter } from '../../core/login-limiter.ts';
import { verifyPassword } from '../../core/password.ts';
import type { HttpConfig } from '../config.ts';

export const SESSION_COOKIE = 'zm_console';
const SESSION_MS = 12 * 3600_000;

export interface AuthOptions {
  now?: () => number;
  /** Failed logins one address may make per window. */
  perAddress?: number;
  /** Failed logins all addresses together may make per window: a guesser with many addresses. */
  overall?: number;
  windowMs?: number;
  /** Addresses whose failures are remembered; beyond, the oldest are forgotten. */
  maxAddresses?: number;
  maxSessions?: number;
}

export type LoginResult =
  | { ok: true; cookie: string }
  | { ok: false; status: 401 | 429; message: string; retryAfterS?: number };

export interface ConsoleAuth {
  /** Whether a password guards the listener at all. */
  readonly required: boolean;
  /** The request carries a live session, or HTTP Basic credentials already proven (scrapers). */
  allowed(req: IncomingMessage): Promise<boolean | Extract<LoginResult, { ok: false }>>;
  login(address: string, password: string): Promise<LoginResult>;
  logout(req: IncomingMessage): string;
  /** Table sizes, for the tests that flood it. */
  sizes(): { addresses: number; sessions: number };
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest();

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * The console's password check. A plain `http.password` is compared by its SHA-256 (equal lengths,
 * so timingSafeEqual applies); a `passwordHash` by scrypt, one check at a time: each takes about
 * 16 MB, which a board cannot give to several at once. Failed attempts are counted per address
 * and overall, in tables of bounded size, and over either allowance an attempt is refused before
 * any hashing.
 */
export function createConsoleAuth(http: HttpConfig, opts: AuthOptions = {}): ConsoleAuth {
  const now = opts.now ?? Date.now;
  const windowMs = opts.windowMs ?? 60_000;
  const perAddress = new LoginLimiter(opts.perAddress ?? 5, windowMs, opts.maxAddresses ?? 1024, now);
  const overall = new LoginLimiter(opts.overall ?? 30, windowMs, 1, now);
  const maxSessions = opts.maxSessions ?? 32;
  // Keyed by the token's hash: the token itself is never kept.
  const sessions = new Map<string, number>();
  const plain = http.password === undefined ? null : sha256(http.password);
  const hash = http.passwordHash ?? null;
  // Basic credentials proven once are remembered by hash, so a scraper costs one scrypt, not one per scrape.
  let provenBasic: Buffer | null = null;
  let checking = false;

  const matches = async (password: string): Promise<boolean> => {
    if (plain) return timingSafeEqual(sha256(password), plain);
    return hash !== null && verifyPassword(password, hash);
  };

  const newSession = (): string => {
    const t = now();
    for (const [k, exp] of sessions) if (exp <= t) sessions.delete(k);
    // Full: the oldest session ends first (Map keeps insertion order).
    while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
    const token = randomBytes(32).toString('base64url');
    sessions.set(sha256(token).toString('hex'), t + SESSION_MS);
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`;
  };

  const login = async (address: string, password: string): Promise<LoginResult> => {
    const wait = Math.max(perAddress.blockedFor(address), overall.blockedFor('*'));
    if (wait > 0) return { ok: false, status: 429, message: `too many failed attempts: try again in ${Math.ceil(wait / 1000)} s`, retryAfterS: Math.ceil(wait / 1000) };
    if (checking) return { ok: false, status: 429, message: 'another login is being checked: try again in a second', retryAfterS: 1 };
    checking = true;
    let ok: boolean;
    try {
      ok = await matches(password);
    } finally {
      checking = false;
    }
    if (!ok) {
      perAddress.fail(address);
      overall.fail('*');
      return { ok: false, status: 401, message: 'wrong password' };
    }
    return { ok: true, cookie: newSession() };
  };

  const required = plain !== null || hash !== null;
  return {
    required,
    async allowed(req) {
      if (!required) return true;
      const token = cookieValue(req, SESSION_COOKIE);
      if (token) {
        const exp = sessions.get(sha256(token).toString('hex'));
        if (exp !== undefined && exp > now()) return true;
      }
      const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!basic) return false;
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      const digest = sha256(`basic:${password}`);
      if (provenBasic && timingSafeEqual(digest, provenBasic)) return true;
      const r = await login(req.socket.remoteAddress ?? '?', password);
      if (!r.ok) return r;
      provenBasic = digest;
      return true;
    },
    login,
    logout(req) {
      const token = cookieValue(req, SESSION_COOKIE);
      if (token) sessions.delete(sha256(token).toString('hex'));
      return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
    },
    sizes: () => ({ addresses: perAddress.size(), sessions: sessions.size }),
  };
}
