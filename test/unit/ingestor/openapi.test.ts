import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/index.ts';
import { build, type Ingestor } from '../../../ingestor/app.ts';
import { IngestorConfigSchema } from '../../../ingestor/config.ts';
import { tempDir } from '../../support/harness.ts';

type Paths = Record<string, Record<string, { parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]; security?: unknown; requestBody?: unknown; responses: Record<string, { content?: Record<string, unknown> }> }>>;

// Built, never started: the route table and the document need neither a broker nor a database.
describe('GET /api/v1/openapi.json', () => {
  const tmp = tempDir('zm-openapi-');
  let ing: Ingestor;
  let paths: Paths;

  beforeAll(async () => {
    const dash = path.join(tmp.dir, 'dash');
    mkdirSync(dash, { recursive: true });
    writeFileSync(path.join(dash, 'index.html'), '<!doctype html>');
    const config = parseConfig(IngestorConfigSchema, {
      http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 },
      influx: { url: 'http://127.0.0.1:9', database: 'nowhere' }, dataDir: path.join(tmp.dir, 'data'),
    }, 'openapi test');
    ing = await build(config, { log: pino({ level: 'silent' }), dashboardDir: dash });
    const res = await ing.http.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ openapi: string; paths: Paths }>();
    expect(body.openapi).toBe('3.1.0');
    paths = body.paths;
  });

  afterAll(async () => {
    await ing?.close();
    tmp.remove();
  });

  it('documents every registered route, with schemas from zod', () => {
    expect(ing.routes.map((r) => r.url)).toEqual(expect.arrayContaining(['/healthz', '/api/v1/quarantine', '/api/v1/gateways/:site/:gateway/manifest', '/']));
    for (const r of ing.routes) {
      if (r.url.startsWith('/assets') || r.url === '/') continue;
      const p = r.url.replace(/:(\w+)/g, '{$1}');
      expect(paths[p]?.[r.method.toLowerCase()], `${r.method} ${r.url}`).toBeDefined();
    }
    for (const p of ['/api/v1/usage', '/api/v1/sites', '/api/v1/sites/{site}/indicators', '/api/v1/sites/{site}/coverage']) expect(paths[p]?.get, p).toBeDefined();
    const limit = paths['/api/v1/quarantine']!.get!.parameters.find((p) => p.name === 'limit')!;
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } });
    const post = paths['/api/v1/gateways/{site}/{gateway}/manifest']!.post!;
    expect(post.security).toEqual([{ bearer: [] }]);
    expect(post.parameters.map((p) => [p.name, p.in, p.required])).toEqual([['site', 'path', true], ['gateway', 'path', true]]);
    expect(JSON.stringify(post.requestBody)).toContain('"end_use"');
  });

  it('documents nothing that is not registered', () => {
    const registered = new Set(ing.routes.map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`));
    const documented = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.filter((d) => !registered.has(d))).toEqual([]);
  });
});
