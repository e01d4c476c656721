import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

function startSim(args: string[]): Promise<{ child: ChildProcess; banner: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'sim', 'meter', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`simulator did not start\n${err}`)); }, 20_000);
    child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('serving')) {
        clearTimeout(timer);
        resolve({ child, banner: c.toString() });
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

describe('commissioning DL/T 645 and CJ/T 188 meters from the command line', () => {
  let alone: PtyPair;
  let shared: PtyPair;
  let sims: ChildProcess[] = [];
  let bridgePort = 0;
  let tmp = '';

  beforeAll(async () => {
    alone = await startPtyPair();
    shared = await startPtyPair();
    bridgePort = await freePort();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'zm-serial-cli-'));
    const started = await Promise.all([
      startSim(['--protocol', 'dlt645', '--model', 'DTSU666-645', '--rtu', alone.b, '--address', '202312250042', '--speed', '0', '--set', 'energy_import_kwh=4321.09']),
      startSim(['--protocol', 'dlt645', '--model', 'DLT645-1P', '--rtu', shared.b, '--address', '000000000011,000000000012', '--speed', '0']),
      startSim(['--protocol', 'cjt188', '--model', 'CJT188-Water', '--rtu-over-tcp', `127.0.0.1:${bridgePort}`, '--address', '00202307160177', '--speed', '0', '--set', 'volume_m3=88.5']),
    ]);
    sims = started.map((s) => s.child);
    expect(started[0]!.banner).toContain('(2400 8E1)');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sims.map(stop));
    await alone?.close();
    await shared?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('scan finds a meter alone on its line by the read-address command', async () => {
    const r = await run(['gateway', 'scan', '--protocol', 'dlt645', '--rtu', alone.a, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).meters).toEqual([{ address: '202312250042', answer: 'address' }]);
  }, 30_000);

  it('scan --addresses checks nameplate addresses on a shared line, from a list or a file', async () => {
    const file = path.join(tmp, 'addresses.txt');
    writeFileSync(file, '# level 2 riser\n000000000011\n000000000013\n000000000012\n');
    for (const spec of ['000000000011,000000000013,000000000012', file]) {
      const r = await run(['gateway', 'scan', '--protocol', 'dlt645', '--rtu', shared.a, '--addresses', spec, '--timeout', '300', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).meters.map((m: { address: string }) => m.address)).toEqual(['000000000011', '000000000012']);
    }
    const bad = await run(['gateway', 'scan', '--protocol', 'dlt645', '--rtu', shared.a, '--addresses', '12345']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--addresses: entry 1: expected 12 decimal digits/);
  }, 40_000);

  it('read prints one decoded reading, with the raw exchanges and how to make them a capture', async () => {
    const r = await run(['gateway', 'read', '--protocol', 'dlt645', '--model', 'DTSU666-645', '--address', '202312250042', '--rtu', alone.a, '--raw']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/energy_import_kwh\s+4321\.09 kWh/);
    expect(r.stdout).toMatch(/raw read 00010000: tx=FE FE FE FE 68 42 00 25 12 23 20 68 11 04 33 33 34 33 [0-9A-F]{2} 16 rx=FE FE FE FE 68 42 00 25 12 23 20 68 91 08 33 33 34 33 3C 54 76 33/);
    expect(r.stdout).toContain('has not been checked against a real meter yet');
    const j = await run(['gateway', 'read', '--protocol', 'cjt188', '--address', '00202307160177', '--rtu-over-tcp', `127.0.0.1:${bridgePort}`, '--json', '--raw']);
    expect(j.code, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout);
    expect(out.values).toEqual({ volume_m3: 88.5 });
    expect(out.provenance.status).toBe('captured');
    expect(out.raw[0].request).toMatch(/^fefe6810770116072320000103901f01/);
  }, 40_000);

  it('refuses Modbus-only and malformed flags with the usage exit code', async () => {
    expect((await run(['gateway', 'read', '--protocol', 'dlt645', '--address', '1', '--rtu', alone.a])).code).toBe(2);
    expect((await run(['gateway', 'scan', '--protocol', 'cjt188', '--tcp', '127.0.0.1:1'])).code).toBe(2);
    expect((await run(['gateway', 'read', '--protocol', 'iec', '--address', '1', '--rtu', alone.a])).code).toBe(2);
  }, 30_000);
});
