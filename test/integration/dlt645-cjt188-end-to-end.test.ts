import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';
import { startTestGateway, startTestIngestor, waitFor, type TestGateway, type TestIngestor } from '../support/harness.ts';

const ROOT = path.join(import.meta.dirname, '../..');

/** `zonemeter sim meter …` in its own process, resolved once it says where it serves. */
function startSim(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/zonemeter.js'), 'sim', 'meter', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`simulator did not start\n${err}`)); }, 20_000);
    child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('serving')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`simulator exited with ${code}\n${err}`)); });
  });
}

const stop = (child: ChildProcess | undefined) => new Promise<void>((resolve) => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 3000).unref();
});

// The "not done until": a DL/T 645 line on a socat pty and a CJ/T 188 water meter behind
// an RTU-over-TCP bridge, both served by `zonemeter sim meter`, stream readings to the ingestor,
// where the API the dashboard reads shows them with their zone and end use.
describe('DL/T 645 and CJ/T 188 meters end to end: sim meter → gateway → ingestor → API', () => {
  let pty: PtyPair;
  let sims: ChildProcess[] = [];
  let ing: TestIngestor;
  let gw: TestGateway;

  beforeAll(async () => {
    pty = await startPtyPair();
    const bridge = await freePort();
    sims = await Promise.all([
      startSim(['--protocol', 'dlt645', '--model', 'DTSU666-645', '--rtu', pty.b, '--address', '000000000161,000000000162', '--speed', '0',
        '--set', 'energy_import_kwh=4321.09', '--power', '18.5']),
      startSim(['--protocol', 'cjt188', '--model', 'CJT188-Water', '--rtu-over-tcp', `127.0.0.1:${bridge}`, '--address', '00202307160177', '--speed', '0',
        '--set', 'volume_m3=88.5']),
    ]);
    ing = await startTestIngestor({ gateways: [['site-a', 'gw-1']] });
    gw = await startTestGateway({
      site: 'site-a', gateway: 'gw-1', building: 'library',
      uplink: { url: ing.mqttUrl, username: 'gw-1', password: ing.passwords['gw-1'], batch: { maxAgeMs: 100 } },
      buses: [
        { id: 'riser-2f', type: 'rtu', path: pty.a }, // 2400 8E1 from the protocol
        { id: 'water-bridge', type: 'rtu-over-tcp', host: '127.0.0.1', port: bridge },
      ],
      meters: [
        { id: 'elec-main', bus: 'riser-2f', protocol: 'dlt645', address: '000000000161', model: 'DTSU666-645', zone: 'administrative', endUse: 'total', role: 'main', intervalMs: 500 },
        { id: 'elec-canteen', bus: 'riser-2f', protocol: 'dlt645', address: '000000000162', model: 'DTSU666-645', zone: 'logistics', endUse: 'special', facility: 'canteen', parent: 'elec-main', intervalMs: 500 },
        { id: 'water-main', bus: 'water-bridge', protocol: 'cjt188', address: '00202307160177', model: 'CJT188-Water', zone: 'logistics', endUse: 'total', role: 'main', intervalMs: 500 },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    await Promise.all(sims.map(stop));
    await pty?.close();
  });

  it('the ingestor stores their readings and the API shows them with zone, end use and kind', async () => {
    const get = async (p: string) => (await fetch(`${ing.url}${p}`)).json() as Promise<Record<string, unknown>>;
    type ApiMeter = { id: string; zone: string; end_use: string; kind: string; facility?: string; model: string; last_reading?: { values: Record<string, number> } };
    const meters = await waitFor(async () => {
      const body = await get('/api/v1/meters?site=site-a') as { meters: ApiMeter[] };
      return body.meters.length === 3 && body.meters.every((m) => m.last_reading) ? body.meters : undefined;
    }, { timeoutMs: 30_000, what: 'three meters with readings in the API' });
    const by = Object.fromEntries(meters.map((m) => [m.id, m]));
    expect(by['elec-main']).toMatchObject({ zone: 'administrative', end_use: 'total', kind: 'electricity', model: 'DTSU666-645' });
    expect(by['elec-canteen']).toMatchObject({ zone: 'logistics', end_use: 'special', facility: 'canteen', kind: 'electricity' });
    expect(by['water-main']).toMatchObject({ zone: 'logistics', end_use: 'total', kind: 'water', model: 'CJT188-Water' });
    expect(by['elec-main']!.last_reading!.values).toMatchObject({ energy_import_kwh: 4321.09, power_kw: 18.5 });
    expect(by['water-main']!.last_reading!.values).toEqual({ volume_m3: 88.5 });
    // Read back from InfluxDB, not from the ingestor's memory.
    const latest = await get('/api/v1/meters/water-main/latest');
    expect(latest).toMatchObject({ meter: 'water-main', zone: 'logistics', values: { volume_m3: 88.5 } });
  }, 60_000);
});
