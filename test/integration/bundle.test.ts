import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../../cli/ports.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';
import { killAllZm, spawnZm, type ZmProcess } from '../support/processes.ts';

// `npm run build`'s folder copied nowhere near the clone and started from there: the bundle finds
// the dashboard and the example files beside itself, not in the sources. Packages are beside it as
// on a board (here a symlink to the clone's node_modules, standing for `npm ci --omit=dev`).
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = tempDir('zm-bundle-');
const dist = path.join(tmp.dir, 'dist');
const bundle = path.join(dist, 'zonemeter.mjs');

const zm = (args: string[], env: Record<string, string>): ZmProcess => spawnZm(args, { ZM_LANG: 'en', ...env }, [process.execPath, bundle], tmp.dir);

beforeAll(() => {
  execFileSync('bash', [path.join(ROOT, 'scripts/build.sh'), dist], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp.dir, 'node_modules'));
}, 150_000);

afterAll(async () => {
  await killAllZm();
  tmp.remove();
});

describe('the bundle outside the clone', () => {
  it('ingestor run serves the prebuilt dashboard, and gateway run starts with the bundled example config', async () => {
    const [http, mqtt, health, closed] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const password = 'bundle-test';
    const ingestorFile = path.join(tmp.dir, 'ingestor.json');
    writeFileSync(ingestorFile, JSON.stringify({
      dataDir: path.join(tmp.dir, 'ingestor'),
      gateways: [{ site: 'city-service-centre', id: 'gw-main-room', passwordHash: await hashPassword(password) }],
    }));
    const ingestor = zm(['ingestor', 'run', '-c', ingestorFile], {
      ZM_HTTP_PORT: String(http), ZM_MQTT_PORT: String(mqtt), INFLUX_URL: inject('influxUrl'), INFLUX_DB: uniqueDb('bundle'),
    });
    await ingestor.waitForLine((l) => l.msg === 'ingestor running', 30_000, 'the ingestor to listen');
    expect(ingestor.lines.some((l) => /dashboard not built/.test(String(l.msg)))).toBe(false);
    const page = await fetch(`http://127.0.0.1:${http}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const script = /src="\.?\/?(assets\/[\w.-]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeDefined();
    expect((await fetch(`http://127.0.0.1:${http}/${script}`)).status).toBe(200);

    // The example as shipped, with what points beyond this machine turned to loopback: the uplink
    // to this ingestor, the meters' buses to a port and tty nobody answers on, the journal to tmp.
    type Bus = { type: string; path?: string; host?: string; port?: number; url?: string };
    const config = parse(readFileSync(path.join(dist, 'gateway/examples/building.yaml'), 'utf8')) as {
      uplink: Record<string, unknown>; journal: Record<string, unknown>; buses: Bus[]; meters: unknown[];
    };
    config.uplink = { ...config.uplink, url: `mqtt://127.0.0.1:${mqtt}`, password };
    config.journal = { ...config.journal, dir: path.join(tmp.dir, 'journal') };
    for (const bus of config.buses) {
      if (bus.path) bus.path = path.join(tmp.dir, 'no-such-tty');
      if (bus.host) Object.assign(bus, { host: '127.0.0.1', port: closed });
      if (bus.url) bus.url = `mqtt://127.0.0.1:${closed}`;
    }
    const gatewayFile = path.join(tmp.dir, 'gateway.json');
    writeFileSync(gatewayFile, JSON.stringify(config));
    const gateway = zm(['gateway', 'run', '-c', gatewayFile], { ZM_GATEWAY_HTTP: `127.0.0.1:${health}` });
    const running = await gateway.waitForLine((l) => l.msg === 'gateway running', 30_000, 'the gateway to start');
    expect(running.meters).toBe(config.meters.length);
    // Connected and accepted: the ingestor takes the example's manifest, every meter of it.
    const manifest = await ingestor.waitForLine((l) => l.msg === 'manifest' && l.gateway === 'gw-main-room', 15_000, 'the gateway\'s manifest');
    expect(manifest).toMatchObject({ meters: config.meters.length, refused: 0 });

    await gateway.stop();
    await ingestor.stop();
    expect((await gateway.exited).code).toBe(0);
    expect((await ingestor.exited).code).toBe(0);
  }, 90_000);

  it('demo runs the bundled site and answers its indicators', async () => {
    const [http, mqtt, gw] = [await freePort(), await freePort(), await freePort()];
    const demo = zm(['demo', '--var', path.join(tmp.dir, 'var'), '--backfill-from', 'none'], {
      ZM_HTTP_PORT: String(http), ZM_MQTT_PORT: String(mqtt), ZM_GATEWAY_HTTP: `127.0.0.1:${gw}`,
      INFLUX_URL: inject('influxUrl'), INFLUX_DB: uniqueDb('bundle_demo'), ZM_LOG_LEVEL: 'warn',
    });
    const out = () => demo.other.join('\n');
    const url = await waitFor(() => /Dashboard: (http:\/\/\S+?)\/?$/m.exec(out())?.[1], { timeoutMs: 30_000, what: `the dashboard URL:\n${out()}` });
    expect(demo.lines.filter((l) => (l.level ?? 0) >= 40), JSON.stringify(demo.lines)).toEqual([]);
    expect((await fetch(`${url}/`)).status).toBe(200);
    const year = new Date().getUTCFullYear();
    const res = await fetch(`${url}/api/v1/sites/demo/indicators?year=${year}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ site: 'demo' });

    await demo.stop('SIGINT');
    expect((await demo.exited).code).toBe(0);
  }, 60_000);
});
