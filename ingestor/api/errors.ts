import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ZmError, formatIssues } from '../../core/index.ts';
import { InfluxError } from '../store/influx.ts';

/** One error handler: every error leaves as `{code, message}`; 5xx internals stay in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ZmError | ZodError, req, reply) => {
    if (err instanceof ZodError) {
      return reply.status(400).send({ code: 'ERR_BAD_REQUEST', message: formatIssues(err.issues) });
    }
    if (err instanceof ZmError) {
      // 503s say "retry later" about a state the client should know of; other 5xx are faults.
      const transient = err.code === 'ERR_STORE_UNAVAILABLE' || err.code === 'ERR_BUSY';
      if (transient) reply.header('Retry-After', '5');
      else if (err.status >= 500) req.log.error({ err }, 'request failed');
      return reply.status(err.status).send({ code: err.code, message: err.status >= 500 && !transient ? 'internal error' : err.message });
    }
    // InfluxDB unreachable or failing is the store being unavailable, not a fault of the request
    // or of the ingestor: 503, so clients and probes retry rather than report a bug.
    if (err instanceof InfluxError && !err.permanent) {
      req.log.warn({ err: err.message }, 'InfluxDB unavailable');
      return reply.status(503).header('Retry-After', '5').send({ code: 'ERR_STORE_UNAVAILABLE', message: 'the time-series store is unavailable; retry later' });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(status).send({ code: 'ERR_INTERNAL', message: 'internal error' });
    }
    return reply.status(status).send({ code: (err as FastifyError).code ?? 'ERR_BAD_REQUEST', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ code: 'ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.slice(0, 200)}` });
  });
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'ERR_HEADERS_TOO_LARGE', 'the request line or headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'ERR_REQUEST_TIMEOUT', 'the request took too long to arrive'],
};

/**
 * Node answers a request it cannot parse (a 100 KB URL, a broken request line) before fastify
 * sees it; this gives those answers the same `{code, message}` shape as every other error.
 */
export function clientErrorAsJson(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'ERR_BAD_REQUEST', 'the request could not be parsed'];
  const body = JSON.stringify({ code, message });
  socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n`
    + `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** A listener that cannot start, as a config error naming the field that set its address. */
export function listenError(err: unknown, field: string, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' ? 'is in use by another process'
    : code === 'EACCES' ? 'needs privileges this process does not have'
      : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? 'is not an address of this machine' : null;
  if (!why) return err;
  return new ZmError('ERR_CONFIG_INVALID', `${field}: ${host}:${port} ${why}`, { cause: err });
}
