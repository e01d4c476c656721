import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { API, ErrorBody, type ApiRoute } from '../../core/api.ts';
import { route } from './route.ts';

type JsonSchema = Record<string, unknown>;

function schema(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(obj: z.ZodObject | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!obj) return [];
  const js = schema(obj, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s,
  }));
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** OpenAPI 3.1 (its schemas are JSON Schema 2020-12, which z.toJSONSchema writes). */
export function openApiDocument(routes: readonly ApiRoute[] = Object.values(API)): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      200: {
        description: 'OK',
        ...(r.response ? { content: { 'application/json': { schema: schema(r.response, 'output') }, ...(r.csv ? { 'text/csv': {} } : {}) } }
          : r.contentType ? { content: { [r.contentType]: {} } } : {}),
      },
      400: errorResponse('The request is invalid; the message names the field'),
    };
    if (r.params) responses[404] = errorResponse('Not found');
    if (r.write) {
      responses[401] = errorResponse('No bearer token, or not the right one');
      responses[403] = errorResponse('Write endpoints are disabled: no token is configured');
    }
    (paths[path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } } } : {}),
      ...(r.write ? { security: [{ bearer: [] }] } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'zonemeter ingestor API', version: '1' },
    paths,
    components: {
      schemas: { Error: schema(ErrorBody, 'output') },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}

export const openApiRoutes = (): FastifyPluginAsync => async (app) => {
  const doc = openApiDocument();
  route(app, API.openapi, async () => doc as z.input<typeof API.openapi.response>);
};
