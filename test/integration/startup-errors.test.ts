import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { tempDir } from '../support/harness.ts';
import { killAllZm, spawnZm } from '../support/processes.ts';

// What an installer sees when the config cannot work on this machine: one line naming the
// field, exit code 1, from `gateway check` before leaving and from `gateway run` at start —
// never a stack trace, never a hang.
describe('start-up errors name their config field', () => {
  const tmp = tempDir('zm-startup-');
  let busy: net.Server;
  let busyPort: number;

  beforeAll(async () => {
    busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    busyPort = (busy.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await killAllZm();
    await new Promise<void>((r) => busy.close(() => r()));
    tmp.remove();
  });

  async function config(name: string, patch: Record<string, unknown>): Promise<string> {
    const file = path.join(tmp.dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({
      site: 'demo', gateway: 'gw-1', building: 'hall', http: `127.0.0.1:${await freePort()}`,
      uplink: { url: `mqtt://127.0.0.1:${await freePort()}` },
      journal: { dir: path.join(tmp.dir, `journal-${name}`) },
      buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: 1502 }],
      meters: [{ id: 'm1', bus: 'tcp-1', unitId: 1, model: 'SDM630', zone: 'administrative', endUse: 'total' }],
      ...patch,
    }));
    return file;
  }
  async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; err: string }> {
    const p = spawnZm(args, { ZM_LANG: 'en', ...env });
    const timer = setTimeout(() => void p.stop('SIGKILL'), 20_000);
    const { code } = await p.exited;
    clearTimeout(timer);
    return { code, err: p.other.join('') };
  }

  const file = path.join(tmp.dir, 'not-a-folder');
  const cases: [string, () => Record<string, unknown>, () => RegExp][] = [
    ['port out of range', () => ({ http: '127.0.0.1:99999' }), () => /http: port 99999 out of range/],
    ['journal folder that cannot exist', () => ({ journal: { dir: '/proc/x' } }), () => /journal\.dir: \/proc\/x cannot be created \(ENOENT\)/],
    ['journal path that is a file', () => (writeFileSync(file, 'x'), { journal: { dir: file } }), () => /journal\.dir: .*not-a-folder is a file, not a folder/],
    ['health port in use', () => ({ http: `127.0.0.1:${busyPort}` }), () => new RegExp(`http: 127\\.0\\.0\\.1:${busyPort} is in use by another process`)],
  ];

  for (const [what, patch, message] of cases) {
    it(`${what}: gateway check and gateway run both say so in one line; run exits 1`, async () => {
      const cfg = await config(what.replace(/\W+/g, '-'), patch());
      const check = await run(['gateway', 'check', '-c', cfg]);
      // A port in use is a warning for check: the gateway of this config may be running.
      expect(check.code, check.err).toBe(what === 'health port in use' ? 0 : 1);
      expect(check.err).toMatch(message());
      const gw = await run(['gateway', 'run', '-c', cfg], { ZM_GATEWAY_HTTP: '' });
      expect(gw.code, gw.err).toBe(1);
      expect(gw.err).toMatch(message());
      expect(gw.err).not.toMatch(/^\s+at /m);
    }, 40_000);
  }

  it('ingestor run: a data folder that cannot exist names dataDir, exit 1 (no hang)', async () => {
    const cfg = path.join(tmp.dir, 'ingestor-proc.json');
    writeFileSync(cfg, JSON.stringify({ dataDir: '/proc/x/zm', influx: { url: `http://127.0.0.1:${await freePort()}` } }));
    const r = await run(['ingestor', 'run', '-c', cfg], { ZM_HTTP_PORT: String(await freePort()), ZM_MQTT_PORT: String(await freePort()), INFLUX_URL: `http://127.0.0.1:${await freePort()}` });
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/dataDir: \/proc\/x\/zm cannot be created \(ENOENT\)/);
  }, 40_000);

  it('ingestor run: an HTTP port in use names http.port, exit 1', async () => {
    const cfg = path.join(tmp.dir, 'ingestor.json');
    writeFileSync(cfg, JSON.stringify({ dataDir: path.join(tmp.dir, 'ing'), influx: { url: `http://127.0.0.1:${await freePort()}` } }));
    const r = await run(['ingestor', 'run', '-c', cfg], { ZM_HTTP_PORT: String(busyPort), ZM_MQTT_PORT: String(await freePort()), INFLUX_URL: `http://127.0.0.1:${await freePort()}` });
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(new RegExp(`http\\.port: 127\\.0\\.0\\.1:${busyPort} is in use by another process`));
    expect(r.err).not.toMatch(/^\s+at /m);
  }, 40_000);
});
