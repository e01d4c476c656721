import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ASSET_ROOT, DASHBOARD_DIR } from '../../../cli/assets.ts';
import { prebuiltDashboard } from '../../../cli/dashboard.ts';
import { tempDir } from '../../support/harness.ts';

function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

describe('the prebuilt dashboard', () => {
  const tmp = tempDir('zm-dash-unit-');
  afterAll(() => tmp.remove());

  it('is looked for under the clone when run from the sources', () => {
    expect(ASSET_ROOT).toBe(path.resolve(import.meta.dirname, '../../..'));
    expect(DASHBOARD_DIR).toBe(path.join(ASSET_ROOT, 'dashboard/dist'));
  });

  it('when missing, says once how to build it and answers / with 404 and the same words', async () => {
    const { log, lines } = capture();
    const dashboard = prebuiltDashboard(log, path.join(tmp.dir, 'nothing'));
    expect(dashboard.dashboardDir).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringContaining('npm run build:dashboard') });
    const http = Fastify();
    dashboard.mount(http);
    const res = await http.inject({ url: '/' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'ERR_NOT_FOUND', message: lines[0]!.msg });
    await http.close();
  });

  it('when built, is handed to the ingestor and logs nothing', () => {
    const dir = path.join(tmp.dir, 'built');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    const { log, lines } = capture();
    expect(prebuiltDashboard(log, dir).dashboardDir).toBe(dir);
    expect(lines).toEqual([]);
  });
});
