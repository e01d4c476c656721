import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import {
  ErrorBody, GatewayParams, GatewaysResponse, Health, LatestReading, ManifestAccepted, ManifestBody, MeterOwnerBody, MeterOwnerParams, MeterOwnerResponse, MeterParams,
  MetersResponse, NoQuery, QuarantineQuery, QuarantineResponse, SiteParams, SiteQuery,
} from './schemas.ts';
import { UsageQuery } from './usage.ts';
import { IndicatorsQuery } from './indicators.ts';
import { CoverageQuery } from './coverage.ts';
import { ReportQuery } from './reports.ts';

/** One documented route. `path` is written as fastify writes it (`/sites/:site`). */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The 200 answer; omitted where the body is not JSON (SSE, Prometheus text). */
  response?: z.ZodType;
  contentType?: string;
  /** Needs the bearer token (http.token). */
  write?: boolean;
}

/** Every route of the API. Add yours here when you add a route plugin. */
export const routeDocs: RouteDoc[] = [
  { method: 'get', path: '/healthz', tag: 'health', summary: 'Liveness and InfluxDB reachability (503 when InfluxDB is down)', query: NoQuery, response: Health },
  { method: 'get', path: '/metrics', tag: 'health', summary: 'Prometheus metrics', query: NoQuery, contentType: 'text/plain' },
  { method: 'get', path: '/api/v1/openapi.json', tag: 'health', summary: 'This document', query: NoQuery },
  { method: 'get', path: '/api/v1/gateways', tag: 'gateways', summary: 'Gateways: online state, last batch, lag', query: SiteQuery, response: GatewaysResponse },
  {
    method: 'post', path: '/api/v1/gateways/:site/:gateway/manifest', tag: 'gateways', write: true,
    summary: 'Upload or override the manifest of a gateway that cannot publish one', params: GatewayParams, body: ManifestBody, response: ManifestAccepted,
  },
  {
    method: 'put', path: '/api/v1/sites/:site/meters/:id/owner', tag: 'meters', write: true,
    summary: 'Re-home a meter to another gateway (manifests alone can never move a meter)', params: MeterOwnerParams, body: MeterOwnerBody, response: MeterOwnerResponse,
  },
  { method: 'get', path: '/api/v1/meters', tag: 'meters', summary: 'Meters with zone, end use and last reading', query: SiteQuery, response: MetersResponse },
  { method: 'get', path: '/api/v1/meters/:id/latest', tag: 'meters', summary: 'The latest reading stored for a meter, read back from InfluxDB', params: MeterParams, query: SiteQuery, response: LatestReading },
  { method: 'get', path: '/api/v1/live', tag: 'meters', summary: 'Server-sent events: a snapshot, then stored readings as they come', query: SiteQuery, contentType: 'text/event-stream' },
  { method: 'get', path: '/api/v1/quarantine', tag: 'ingest', summary: 'Quarantined batches and readings with their reasons, newest first', query: QuarantineQuery, response: QuarantineResponse },
  { method: 'get', path: '/api/v1/usage', tag: 'usage', summary: 'Interval usage derived from meter counters', query: UsageQuery },
  { method: 'get', path: '/api/v1/sites', tag: 'sites', summary: 'Sites and their buildings', query: NoQuery },
  { method: 'get', path: '/api/v1/sites/:site/indicators', tag: 'sites', summary: 'Per-area, per-capita and carbon indicators against baseline and targets', params: SiteParams, query: IndicatorsQuery },
  { method: 'get', path: '/api/v1/sites/:site/conflicts', tag: 'sites', summary: 'Where gateway manifests disagree with the site registry', params: SiteParams, query: NoQuery },
  { method: 'get', path: '/api/v1/sites/:site/coverage', tag: 'sites', summary: 'Metering coverage (分区/分项计量器具配备率) and energy balance', params: SiteParams, query: CoverageQuery },
  { method: 'get', path: '/api/v1/sites/:site/reports/annual', tag: 'reports', summary: 'Annual statistics table per building and site, JSON or CSV (UTF-8 with BOM)', params: SiteParams, query: ReportQuery },
  { method: 'get', path: '/api/v1/sites/:site/reports/monthly', tag: 'reports', summary: 'Monthly quantities per building and kind with kgce and CO2, JSON or CSV (UTF-8 with BOM)', params: SiteParams, query: ReportQuery },
  { method: 'get', path: '/api/v1/platforms', tag: 'platforms', summary: 'Reporting to energy-monitoring platforms: connection, authentication, last acknowledged period, backlog and last error per building', query: NoQuery },
];

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
export function openApiDocument(routes: readonly RouteDoc[] = routeDocs): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      200: {
        description: 'OK',
        ...(r.response ? { content: { 'application/json': { schema: schema(r.response, 'output') } } }
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
  app.get('/api/v1/openapi.json', async (req) => {
    NoQuery.parse(req.query);
    return doc;
  });
};
