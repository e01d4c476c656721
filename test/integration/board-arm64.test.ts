import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { findModel } from '../../gateway/models/index.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';
import { startTestIngestor, tempDir, waitFor, type TestIngestor } from '../support/harness.ts';
import { gatewayStatus, influxQuery, killAllZm, spawnZm, type ZmProcess } from '../support/processes.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';

// The board as the gateway meets it: Debian bookworm's own arm64 `nodejs` (18.20, the version
// Raspberry Pi OS bookworm ships) unpacked into a folder by scripts/board-node.sh, running the
// gateway release tarball that `npm run build` makes (unpacked, with only its own packages), under
// qemu-user. serialport loads its linux-arm64 prebuild,
// a meter answers over RTU on a socat pty and another over Modbus TCP, the readings are
// journalled and reach a real ingestor and influxd, and the console page is served.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = tempDir('zm-board-');
const cleanups: (() => Promise<unknown>)[] = [];
let sysroot: string;
let bundle: string;
let ing: TestIngestor;
let gw: ZmProcess;

beforeAll(async () => {
  // Cached under var/ (ignored by git): the first run downloads about 25 MB of Debian packages.
  sysroot = execFileSync('bash', [path.join(ROOT, 'scripts/board-node.sh'), path.join(ROOT, 'var/board-node/arm64')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000,
  }).trim();
  const dist = path.join(tmp.dir, 'dist');
  execFileSync('bash', [path.join(ROOT, 'scripts/build.sh'), dist], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 });
  // What a board gets: the release tarball, unpacked outside the clone, with its own node_modules.
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const board = path.join(tmp.dir, 'board');
  mkdirSync(board);
  execFileSync('tar', ['-xzf', path.join(dist, `zonemeter-gateway-${version}.tar.gz`), '-C', board]);
  bundle = path.join(board, `zonemeter-gateway-${version}`, 'zonemeter.mjs');
  ing = await startTestIngestor({ gateways: [['board', 'gw-pi']] });
}, 480_000);

afterAll(async () => {
  await killAllZm();
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await ing?.close();
  tmp.remove();
});

describe('the gateway bundle on arm64 (qemu-user, Debian bookworm nodejs)', () => {
  it("runs Debian's arm64 node", () => {
    const out = execFileSync('qemu-aarch64-static', ['-L', sysroot, `${sysroot}/usr/bin/node`, '-p', 'process.arch + " " + process.version'], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/^arm64 v18\.20\./);
  });

  it('polls a meter over RTU on a pty and one over TCP, journals, and the readings reach the ingestor', async () => {
    const pty: PtyPair = await startPtyPair();
    cleanups.push(() => pty.close());
    const rtuSim: MeterSimulator = await startMeterSimulator({
      meters: [{ unitId: 7, model: findModel('SDM630')!, counters: { energy_import_kwh: 1234.5 } }], rtu: { path: pty.b, baudRate: 9600 }, clock: { frozen: true },
    });
    cleanups.push(() => rtuSim.close());
    const tcpSim: MeterSimulator = await startMeterSimulator({
      tcp: { host: '127.0.0.1', port: 0 }, meters: [{ unitId: 1, model: findModel('SDM120')!, counters: { energy_import_kwh: 42 } }], clock: { frozen: true },
    });
    cleanups.push(() => tcpSim.close());

    const config = {
      site: 'board', gateway: 'gw-pi', building: 'hall',
      uplink: { url: ing.mqttUrl, username: 'gw-pi', password: ing.passwords['gw-pi'], batch: { maxAgeMs: 500 } },
      journal: { dir: path.join(tmp.dir, 'journal'), fsyncIntervalMs: 500 },
      buses: [
        { id: 'rs485', type: 'rtu', path: pty.a, baud: 9600, timeoutMs: 2000 },
        { id: 'lan', type: 'tcp', host: '127.0.0.1', port: tcpSim.tcp!.port, timeoutMs: 2000 },
      ],
      meters: [
        { id: 'ahu-1', bus: 'rs485', unitId: 7, model: 'SDM630', zone: 'administrative', endUse: 'air_conditioning', intervalMs: 1000 },
        { id: 'light-1', bus: 'lan', unitId: 1, model: 'SDM120', zone: 'administrative', endUse: 'lighting_sockets', intervalMs: 1000 },
      ],
    };
    const file = path.join(tmp.dir, 'gateway.json');
    writeFileSync(file, JSON.stringify(config));
    const port = await freePort();
    gw = spawnZm(['gateway', 'run', '-c', file], { ZM_GATEWAY_HTTP: `127.0.0.1:${port}` },
      ['qemu-aarch64-static', '-L', sysroot, `${sysroot}/usr/bin/node`, bundle]);
    // Emulated, start-up takes seconds rather than milliseconds.
    const started = await gw.waitForLine((l) => l.msg === 'gateway running', 120_000, 'the gateway to start under qemu');
    expect(started).toMatchObject({ arch: 'arm64' });
    expect(String(started.node)).toMatch(/^v18\.20\./);

    const health = `http://127.0.0.1:${port}`;
    // The console page comes in the tarball, prebuilt: served from disk, nothing built on the board.
    expect(started.console).toBe(`${health}/`);
    expect(await (await fetch(`${health}/console/app.js`)).text()).toContain('/api/v1/console/');
    const status = await waitFor(async () => {
      const s = await gatewayStatus(health);
      return s.uplink.readingsAcked >= 6 && s.meters.every((m) => m.reads >= 3) ? s : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500, what: 'readings of both meters acknowledged' });
    expect(status.journal.last_seq).toBeGreaterThanOrEqual(6);

    const series = await influxQuery(inject('influxUrl'), ing.config.influx.database,
      "SELECT last(energy_import_kwh) FROM reading WHERE site='board' GROUP BY meter");
    const last = new Map(series.map((s) => [s.tags.meter!, Number(s.rows[0]![1])]));
    expect(last.get('ahu-1')).toBeCloseTo(1234.5, 1);
    expect(last.get('light-1')).toBeCloseTo(42, 1);
    await gw.stop();
  }, 240_000);
});
