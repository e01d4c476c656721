import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ZmError, formatIssues } from '../../core/index.ts';

/** One error handler: every error leaves as `{code, message}`; 5xx internals stay in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ZmError | ZodError, req, reply) => {
    if (err instanceof ZodError) {
      return reply.status(400).send({ code: 'ERR_BAD_REQUEST', message: formatIssues(err.issues) });
    }
    if (err instanceof ZmError) {
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      return reply.status(err.status).send({ code: err.code, message: err.status >= 500 ? 'internal error' : err.message });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(status).send({ code: 'ERR_INTERNAL', message: 'internal error' });
    }
    return reply.status(status).send({ code: (err as FastifyError).code ?? 'ERR_BAD_REQUEST', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ code: 'ERR_NOT_FOUND', message: `no route ${req.method} ${req.url}` });
  });
}
