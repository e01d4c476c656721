import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { z } from 'zod';
import type { ApiRoute } from '../../core/api.ts';

type Parsed<R, K extends 'params' | 'query' | 'body'> = R extends { [P in K]: infer S extends z.ZodType } ? z.output<S> : undefined;

/** What a handler must answer: the route's response schema (before JSON), or CSV text where the route offers it. */
export type Answer<R extends ApiRoute> =
  | (R extends { response: infer S extends z.ZodType } ? z.input<S> : R extends { contentType: string } ? string : never)
  | (R extends { csv: true } ? string : never);

export interface RouteInput<R extends ApiRoute> {
  params: Parsed<R, 'params'>;
  query: Parsed<R, 'query'>;
  body: Parsed<R, 'body'>;
}

/**
 * Registers a route of core's API table: its path, params, query and body parsed with the table's
 * schemas (a ZodError becomes a 400 naming the field), and its answer typed by the table's response
 * schema, so a route cannot answer a shape its clients were not told of and still compile.
 */
export function route<R extends ApiRoute>(
  app: FastifyInstance,
  r: R,
  handler: (input: RouteInput<NoInfer<R>>, req: FastifyRequest, reply: FastifyReply) => Promise<Answer<NoInfer<R>>>,
  opts: { preHandler?: preHandlerAsyncHookHandler } = {},
): void {
  app.route({
    method: r.method.toUpperCase() as 'GET' | 'POST' | 'PUT',
    url: r.path,
    ...(opts.preHandler ? { preHandler: opts.preHandler } : {}),
    handler: async (req, reply) => {
      // In this order, as a client reads the errors: the path first, then the query, then the body.
      const params = r.params?.parse(req.params);
      const query = r.query?.parse(req.query);
      const body = r.body?.parse(req.body);
      return handler({ params, query, body } as RouteInput<R>, req, reply);
    },
  });
}
