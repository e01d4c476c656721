import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';
import { decodeRegister, findModel } from '../../gateway/models/index.ts';
import { limitsFor, planReads } from '../../gateway/poll/planner.ts';

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

  /** Decodes `raw` lines the way a contributor's capture is decoded: through the model's own plan. */
  function decodeRaw(modelName: string, raws: { fc: number; address: number; count: number; data: string }[]): Record<string, number> {
    const model = findModel(modelName)!;
    const plan = planReads(model.registers, limitsFor(model));
    expect(raws.map((r) => [r.fc, r.address, r.count])).toEqual(plan.map((q) => [q.fc, q.address, q.count]));
    const out: Record<string, number> = {};
    raws.forEach((r, i) => {
      const block = Buffer.from(r.data.replace(/\s+/g, ''), 'hex');
      expect(block.length, `request ${i} data length`).toBe(r.count * 2);
      for (const def of plan[i]!.registers) out[def.measurement] = decodeRegister(def, block, r.address);
    });
    return out;
  }

  it('gateway read --raw prints each request\'s bytes, and they decode to the values printed', async () => {
    const r = await run(['gateway', 'read', '--model', 'DTSU666', '--rtu', pty!.a, '--baud', '9600', '--id', '12', '--raw']);
    expect(r.code, r.stderr).toBe(0);
    const raws = [...r.stdout.matchAll(/^\s*raw fc=(\d+) start=(\d+) \(0x([0-9A-F]{4})\) count=(\d+) data=([0-9a-f ]+)$/gm)].map((m) => {
      expect(Number.parseInt(m[3]!, 16)).toBe(Number(m[2]));
      return { fc: Number(m[1]), address: Number(m[2]), count: Number(m[4]), data: m[5]! };
    });
    // DTSU666: the 2006H instantaneous block and the 401EH energy block are two requests.
    expect(raws.length).toBeGreaterThanOrEqual(2);
    const decoded = decodeRaw('DTSU666', raws);
    const printed = Object.fromEntries([...r.stdout.matchAll(/^ {2}([a-z0-9_]+)\s+(-?[0-9.e+-]+)\s+\S+/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect(Object.keys(printed).sort()).toEqual(Object.keys(decoded).sort());
    for (const [k, v] of Object.entries(printed)) expect(v, k).toBe(decoded[k]);
    expect(printed.energy_import_kwh).toBe(777);
  });

  it('gateway read --json --raw adds the bytes under "raw" and keeps the rest of the shape', async () => {
    const r = await run(['gateway', 'read', '--model', 'SDM630', '--tcp', `127.0.0.1:${port}`, '--id', '3', '--json', '--raw']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { meter: string; ts: number; values: Record<string, number>; raw: { fc: number; address: number; count: number; data: string }[] };
    expect(Object.keys(out)).toEqual(['meter', 'ts', 'values', 'raw']);
    expect(out.raw.every((x) => x.fc === 4)).toBe(true);
    expect(decodeRaw('SDM630', out.raw)).toEqual(out.values);
    expect(out.values.energy_import_kwh).toBe(1234.5);
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
