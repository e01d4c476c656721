import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZmError } from '../../core/index.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * A preHandler for write endpoints: `Authorization: Bearer <http.token>`. Both sides are hashed
 * first so the comparison is constant-time whatever the length of what was sent (RFC 6750 §2.1).
 * With no token configured, writes are refused outright rather than left open.
 */
export function requireToken(token: string | undefined) {
  const expected = token === undefined ? null : digest(token);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!expected) {
      throw new ZmError('ERR_FORBIDDEN', 'write endpoints are disabled: no API token is configured (http.token or ZM_API_TOKEN)');
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      // RFC 6750 §3: a 401 names the scheme the client should use.
      reply.header('WWW-Authenticate', m ? 'Bearer error="invalid_token"' : 'Bearer');
      throw new ZmError('ERR_UNAUTHORIZED', m ? 'the bearer token is not valid' : 'an Authorization: Bearer token is required');
    }
  };
}
