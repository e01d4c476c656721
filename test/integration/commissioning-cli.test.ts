import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';

const ROOT = path.join(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/zonemeter.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ZM_LANG: 'en' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `zonemeter sim meter ...` in its own process, resolved once it says where it serves. */
function startSim(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'sim', 'meter', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('commissioning commands', () => {
  let tcpSim: ChildProcess | undefined;
  let rtuSim: ChildProcess | undefined;
  let pty: PtyPair | undefined;
  let port = 0;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zm-cli-'));
    port = await freePort();
    pty = await startPtyPair();
    [tcpSim, rtuSim] = await Promise.all([
      startSim(['--model', 'SDM630', '--tcp', `127.0.0.1:${port}`, '--ids', '3,5', '--speed', '0', '--set', 'energy_import_kwh=1234.5']),
      startSim(['--model', 'DTSU666', '--rtu', pty.b, '--baud', '9600', '--id', '12', '--speed', '0', '--set', 'energy_import_kwh=777']),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stop(tcpSim), stop(rtuSim)]);
    await pty?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gateway scan lists the unit ids that answer and guesses the model', async () => {
    const r = await run(['gateway', 'scan', '--tcp', `127.0.0.1:${port}`, '--ids', '1-6', '--timeout', '200', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { units: { unitId: number; answer: string; models: string[] }[] };
    expect(out.units.map((u) => u.unitId)).toEqual([3, 5]);
    for (const u of out.units) {
      expect(u.answer).toBe('data');
      expect(u.models).toContain('SDM630');
    }
  });

  it('gateway scan finds a meter on an RTU line', async () => {
    const r = await run(['gateway', 'scan', '--rtu', pty!.a, '--baud', '9600', '--ids', '10-13', '--timeout', '200']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').slice(1);
    expect(lines).toHaveLength(1);
    // The DTSU666 keeps nothing at register 0: it refuses the probe with an exception, which still proves it is there.
    expect(lines[0]).toMatch(/^12\s+(data|exception)\s+.*DTSU666/);
  });

  it('gateway read --json prints exactly meter, ts and values', async () => {
    const before = Date.now();
    const r = await run(['gateway', 'read', '--model', 'SDM630', '--tcp', `127.0.0.1:${port}`, '--id', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { meter: string; ts: number; values: Record<string, number> };
    expect(Object.keys(out)).toEqual(['meter', 'ts', 'values']);
    expect(out.meter).toBe('sdm630-5');
    expect(out.ts).toBeGreaterThanOrEqual(before);
    expect(out.values.energy_import_kwh).toBe(1234.5);
    expect(out.values.voltage_l1_v).toBeGreaterThan(80);
    expect(out.values.voltage_l1_v).toBeLessThan(300);
    expect(out.values.frequency_hz).toBeGreaterThan(45);
    expect(out.values.frequency_hz).toBeLessThan(65);
  });

  it('gateway read over RTU prints a table; a silent unit id fails', async () => {
    const r = await run(['gateway', 'read', '--model', 'DTSU666', '--rtu', pty!.a, '--baud', '9600', '--id', '12']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/energy_import_kwh\s+777\s+kWh/);
    const silent = await run(['gateway', 'read', '--model', 'DTSU666', '--rtu', pty!.a, '--baud', '9600', '--id', '13', '--timeout', '200']);
    expect(silent.code).toBe(1);
    expect(silent.stderr).toMatch(/#13: no response/);
  });

  it('gateway check passes the example building and summarises it', async () => {
    const r = await run(['gateway', 'check', '-c', 'gateway/examples/building.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/OK/);
    expect(r.stdout).toMatch(/5 bus\(es\), 16 meter\(s\)/);
    expect(r.stdout).toMatch(/Facilities metered: .*central_ac.*canteen/);
  });

  it('gateway check names every problem by its path and exits non-zero', async () => {
    const bad = readFileSync(path.join(ROOT, 'gateway/examples/building.yaml'), 'utf8')
      .replace('unitId: 12\n', 'unitId: 300\n')
      .replace('unitId: 21\n', 'unitId: 11\n')
      .replace('model: B23', 'model: NoSuchMeter');
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, bad);
    const r = await run(['gateway', 'check', '-c', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('meters[2].unitId: expected integer 1–247');
    expect(r.stderr).toContain('meters[3].unitId: unit id 11 is already used on bus "rs485-a" by meters[1]');
    expect(r.stderr).toMatch(/meters\[4\]\.model: unknown model "NoSuchMeter"/);

    const overlap = readFileSync(path.join(ROOT, 'gateway/examples/building.yaml'), 'utf8')
      .replace('{ measurement: flow_m3h, fc: 3, address: 2,', '{ measurement: flow_m3h, fc: 3, address: 1,');
    writeFileSync(file, overlap);
    const r2 = await run(['gateway', 'check', '-c', file]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/meters\[10\]\.registers\[1\]\.address: overlaps registers\[0\]/);
  });
});
