import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRegister } from '../../gateway/models/decode.ts';
import { findModel } from '../../gateway/models/index.ts';
import { startMeterSimulator, type Values } from '../../simulators/meter/index.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';

// The third-party mbpoll (Debian package) reads the simulator started by the real CLI, and must
// decode what an in-process simulator with the same seed, start time and state reports.
const root = path.resolve(import.meta.dirname, '../..');
const SDM630 = findModel('SDM630')!;
const START = '2025-01-06T09:00:00Z';
const STATE = { seed: 5, power_kw: 12, power_factor: 0.9, energy_import_kwh: 1234.5 };
const CLI_STATE = ['--seed', String(STATE.seed), '--speed', '0', '--start', START, '--power', String(STATE.power_kw),
  '--set', `power_factor=${STATE.power_factor}`, '--set', `energy_import_kwh=${STATE.energy_import_kwh}`];

async function expectedValues(unitId: number): Promise<Values> {
  const sim = await startMeterSimulator({
    meters: [{ unitId, model: SDM630, inputs: { power_kw: STATE.power_kw, power_factor: STATE.power_factor }, counters: { energy_import_kwh: STATE.energy_import_kwh } }],
    seed: STATE.seed,
    clock: { start: Date.parse(START), frozen: true },
  });
  const v = sim.meter(unitId).get();
  await sim.close();
  return v;
}

interface Cli { child: ChildProcess; line: string; stderr: () => string; exited: Promise<number | null> }

async function startCli(args: string[]): Promise<Cli> {
  const child = spawn(process.execPath, ['bin/zonemeter.js', 'sim', 'meter', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 20_000;
  while (!out.includes('\n')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`zonemeter sim meter did not start (exit ${child.exitCode}):\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, line: out.trim(), stderr: () => err, exited };
}

async function stopCli(cli: Cli | undefined): Promise<number | null | undefined> {
  if (!cli) return undefined;
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGTERM');
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 5_000);
  const code = await cli.exited;
  clearTimeout(timer);
  return code;
}

function mbpoll(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('mbpoll', args, { timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** `[73]: \t1234.5` lines → reference number → text. */
function parseValues(stdout: string): Map<number, string> {
  return new Map([...stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)].map((m) => [Number(m[1]), m[2]!]));
}

/** mbpoll -t 3:hex prints one 16-bit word per reference; rebuild the register bytes. */
function words(stdout: string, from: number, count: number): Buffer {
  const vals = parseValues(stdout);
  const buf = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) {
    const w = vals.get(from + i);
    if (w === undefined) throw new Error(`mbpoll printed no value for reference ${from + i}:\n${stdout}`);
    buf.writeUInt16BE(Number.parseInt(w, 16), i * 2);
  }
  return buf;
}

function expectDecoded(block: Buffer, address: number, expected: Values) {
  const defs = SDM630.registers.filter((d) => d.address >= address && d.address + 2 <= address + block.length / 2);
  expect(defs.length).toBeGreaterThan(3);
  for (const def of defs) expect(decodeRegister(def, block, address), def.measurement).toBe(expected[def.measurement]);
}

function requireTools() {
  if (!existsSync('/usr/bin/mbpoll') || !existsSync('/usr/bin/socat')) {
    throw new Error('this test needs mbpoll and socat: install them with scripts/deps.sh');
  }
}

describe('mbpoll reads the simulator over Modbus TCP', () => {
  let cli: Cli | undefined;
  let port = 0;
  beforeAll(async () => {
    requireTools();
    cli = await startCli(['--model', 'SDM630', '--tcp', '127.0.0.1:0', '--id', '1', ...CLI_STATE]);
    const m = /^serving SDM630 id 1 on tcp 127\.0\.0\.1:(\d+)$/.exec(cli.line);
    expect(m, cli.line).not.toBeNull();
    port = Number(m![1]);
  });
  afterAll(async () => {
    await stopCli(cli);
  });

  it('decodes the energy counter as float (mbpoll references are 1-based: 30073 is -r 73)', async () => {
    const expected = await expectedValues(1);
    const r = await mbpoll(['-m', 'tcp', '-a', '1', '-r', '73', '-c', '2', '-t', '3:float', '-B', '-1', '-p', String(port), '127.0.0.1']);
    expect(r.code, r.stderr).toBe(0);
    const v = parseValues(r.stdout);
    // mbpoll prints floats with 6 significant digits.
    expect(Number(v.get(73))).toBe(Number(expected.energy_import_kwh!.toPrecision(6)));
    expect(Number(v.get(75))).toBe(0);
  });

  it('returns exactly the registers the simulator state encodes', async () => {
    const expected = await expectedValues(1);
    const r = await mbpoll(['-m', 'tcp', '-a', '1', '-r', '1', '-c', '80', '-t', '3:hex', '-1', '-p', String(port), '127.0.0.1']);
    expect(r.code, r.stderr).toBe(0);
    expectDecoded(words(r.stdout, 1, 80), 0, expected);
    expect(expected.power_kw).toBe(12);
    expect(expected.current_l1_a).toBeCloseTo(12_000 / (3 * expected.voltage_l1_v! * 0.9), 3);
  });

  it('gets exception 02 for a register outside the map', async () => {
    const r = await mbpoll(['-m', 'tcp', '-a', '1', '-r', '1001', '-c', '2', '-t', '3', '-1', '-p', String(port), '127.0.0.1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/Illegal data address/);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopCli(cli)).toBe(0);
    expect(cli!.stderr()).toBe('');
  });
});

describe('mbpoll reads the simulator over Modbus RTU on a pty line', () => {
  let pty: PtyPair | undefined;
  let cli: Cli | undefined;
  beforeAll(async () => {
    requireTools();
    pty = await startPtyPair();
    cli = await startCli(['--model', 'SDM630', '--rtu', pty.a, '--baud', '9600', '--ids', '1-3', ...CLI_STATE]);
    expect(cli.line).toBe(`serving SDM630 ids 1-3 on rtu ${pty.a} (9600 8N1)`);
  });
  afterAll(async () => {
    await stopCli(cli);
    await pty?.close();
  });

  it('reads each unit id on the line and decodes its registers', async () => {
    for (const id of [1, 2, 3]) {
      const expected = await expectedValues(id);
      const r = await mbpoll(['-m', 'rtu', '-b', '9600', '-P', 'none', '-a', String(id), '-r', '1', '-c', '80', '-t', '3:hex', '-1', pty!.b]);
      expect(r.code, r.stderr).toBe(0);
      expectDecoded(words(r.stdout, 1, 80), 0, expected);
    }
  });

  it('decodes a float the way mbpoll prints it', async () => {
    const expected = await expectedValues(2);
    const r = await mbpoll(['-m', 'rtu', '-b', '9600', '-P', 'none', '-a', '2', '-r', '53', '-c', '1', '-t', '3:float', '-B', '-1', pty!.b]);
    expect(r.code, r.stderr).toBe(0);
    expect(Number(parseValues(r.stdout).get(53))).toBe(expected.power_kw! * 1000);
  });

  it('times out for a unit id nobody serves', async () => {
    const r = await mbpoll(['-m', 'rtu', '-b', '9600', '-P', 'none', '-a', '9', '-r', '1', '-c', '2', '-t', '3', '-o', '0.5', '-1', pty!.b]);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/timed out/i);
  });
});
