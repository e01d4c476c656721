import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt (RFC 7914) with N=2^14, r=8, p=1: about 16 MB and tens of ms per check, paid once per
// MQTT connect (ingestor) or console login (gateway), which keeps a stolen config from yielding
// passwords cheaply.
const N = 16384, R = 8, P = 1, KEYLEN = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * Why `stored` is not a hash hashPassword could have written, or null when it is. Checked where a
 * config is parsed: parameters taken from a file must not ask scrypt for more memory than a board has.
 */
export function passwordHashProblem(stored: string): string | null {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash || rest.length) return 'expected scrypt$N$r$p$salt$hash (zonemeter gateway hash-password PASSWORD)';
  const N_ = Number(n), R_ = Number(r), P_ = Number(p);
  if (!Number.isInteger(N_) || N_ < 2 || N_ > 65536 || (N_ & (N_ - 1)) !== 0) return 'N must be a power of two up to 65536';
  if (!Number.isInteger(R_) || R_ < 1 || R_ > 16 || !Number.isInteger(P_) || P_ < 1 || P_ > 4) return 'r must be 1–16 and p 1–4';
  if (128 * N_ * R_ > 64 * 1024 * 1024) return 'N × r asks scrypt for more than 64 MB';
  if (Buffer.from(hash, 'base64').length !== KEYLEN) return `the hash must be ${KEYLEN} bytes in base64`;
  return null;
}
