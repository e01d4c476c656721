import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createModbusLink, type ModbusLink } from '../../gateway/drivers/index.ts';
import { LinkDownError, ModbusFrameError, ModbusTimeoutError } from '../../gateway/drivers/errors.ts';
import { findModel } from '../../gateway/models/index.ts';
import { readPlan } from '../../gateway/poll/meter-plan.ts';
import { limitsFor, planReads } from '../../gateway/poll/planner.ts';
import { freePort } from '../../cli/ports.ts';
import { tempDir, waitFor } from '../support/harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const SITE = `
site: cli-site
gateway: gw-sim
seed: 11
origin: '2026-01-01'
endpoints:
  - { id: tcp-1, type: tcp, port: 0 }
  - { id: bridge-1, type: rtu-over-tcp, port: 0 }
buildings:
  - id: hq
    meters:
      - { id: main, model: SDM630, endpoint: tcp-1, unitId: 1, zone: administrative, endUse: total, losses: 0.02 }
      - { id: light, model: DVH4013, endpoint: tcp-1, unitId: 2, parent: main, zone: administrative, endUse: lighting_sockets, profile: base, scale: 40, initial: 1000 }
      - { id: canteen, model: SDM630, endpoint: bridge-1, unitId: 3, parent: main, zone: logistics, endUse: special, facility: canteen, profile: base, scale: 30, initial: 500 }
      - { id: spare, model: DVH4013, endpoint: tcp-1, unitId: 4, zone: other, endUse: power, profile: base, scale: 20, initial: 10 }
faults:
  # At ×60, six simulated minutes are six real seconds after start-up.
  - { meter: spare, atMin: 6, forMin: 3, fault: { kind: silent } }
`;

interface SimProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

function spawnSim(args: string[]): SimProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/zonemeter.js'), 'sim', 'building', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ZM_LANG: 'en' } });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { children.delete(child); resolve(code); }));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function stopSim(p: SimProcess): Promise<number | null> {
  p.child.kill('SIGINT');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/zonemeter.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ZM_LANG: 'en' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.once('exit', (code) => resolve({ code, out }));
  });
}

function endpointOf(text: string, id: string): { host: string; port: number } {
  const m = new RegExp(`serving ${id} \\S+ ([\\d.]+):(\\d+)`).exec(text);
  if (!m) throw new Error(`no endpoint ${id} in:\n${text}`);
  return { host: m[1]!, port: Number(m[2]) };
}

const links: ModbusLink[] = [];
function link(type: 'tcp' | 'rtu-over-tcp', at: { host: string; port: number }): ModbusLink {
  const l = createModbusLink({ type, ...at }, { connectTimeoutMs: 2000, reconnectDelayMs: 0 });
  links.push(l);
  return l;
}

async function read(l: ModbusLink, unitId: number, model: string, timeoutMs = 1000) {
  const m = findModel(model)!;
  const energyOnly = m.registers.filter((r) => r.measurement === 'energy_import_kwh');
  return (await readPlan(l, unitId, planReads(energyOnly, limitsFor(m)), timeoutMs, Date.now)).values.energy_import_kwh!;
}

async function control(url: string, route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${route}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('zonemeter sim building', () => {
  const tmp = tempDir('zm-sim-building-');
  const siteFile = path.join(tmp.dir, 'site.yaml');
  writeFileSync(siteFile, SITE);

  afterEach(async () => {
    await Promise.allSettled(links.splice(0).map((l) => l.close()));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    tmp.remove();
  });

  it('serves a consistent hierarchy and prints a gateway config that `gateway check` accepts', async () => {
    const ctlPort = await freePort();
    // A frozen clock, so main and sub-meters are read at the same simulated instant.
    const sim = spawnSim(['-c', siteFile, '--speed', '0', '--start', '2026-01-02T12:00:00+08:00', '--print-gateway-config', '--control', `127.0.0.1:${ctlPort}`]);
    await waitFor(() => (/^site cli-site: 4 meters/m.test(sim.stderr()) ? true : undefined), { timeoutMs: 20_000, what: `start-up: ${sim.stderr()}` });

    const config = parseYaml(sim.stdout()) as { buses: { id: string; port: number }[]; meters: { id: string }[] };
    expect(config.meters.map((m) => m.id)).toEqual(['main', 'light', 'canteen', 'spare']);
    const tcp = endpointOf(sim.stderr(), 'tcp-1');
    const bridge = endpointOf(sim.stderr(), 'bridge-1');
    expect(config.buses.find((b) => b.id === 'tcp-1')!.port).toBe(tcp.port);
    expect(config.buses.find((b) => b.id === 'bridge-1')!.port).toBe(bridge.port);
    const file = path.join(tmp.dir, 'gateway.yaml');
    writeFileSync(file, sim.stdout());
    const check = await run(['gateway', 'check', '-c', file]);
    expect(check.out).toContain('OK');
    expect(check.code).toBe(0);

    const main = await read(link('tcp', tcp), 1, 'SDM630');
    const light = await read(link('tcp', tcp), 2, 'DVH4013');
    const canteen = await read(link('rtu-over-tcp', bridge), 3, 'SDM630');
    expect(light).toBeGreaterThan(1000);
    expect(canteen).toBeGreaterThan(500);
    // Each value is decoded to its register's resolution: DVH4013 counts whole Wh (±0.0005 kWh),
    // SDM630 energy is given to 0.01 kWh (±0.005 kWh), so main and 1.02 × (light + canteen) agree
    // within the sum of those half-steps.
    expect(Math.abs(main - (light + canteen) * 1.02)).toBeLessThan(0.005 + 1.02 * (0.0005 + 0.005) + 1e-9);

    const meters = await control(`http://127.0.0.1:${ctlPort}`, '/meters');
    expect(meters.status).toBe(200);
    const list = meters.body.meters as { id: string; endpoint: string; unitId: number; values: Record<string, number> }[];
    expect(list.map((m) => [m.id, m.endpoint, m.unitId])).toEqual([['main', 'tcp-1', 1], ['light', 'tcp-1', 2], ['canteen', 'bridge-1', 3], ['spare', 'tcp-1', 4]]);
    expect(list[1]!.values.energy_import_kwh).toBeCloseTo(light, 3);

    expect(await stopSim(sim)).toBe(0);
    // Every listener is closed: the ports are free again.
    for (const { port } of [tcp, bridge, { port: ctlPort }]) {
      await new Promise<void>((resolve, reject) => {
        const s = net.createServer().once('error', reject).listen(port, '127.0.0.1', () => s.close(() => resolve()));
      });
    }
  }, 45_000);

  it('shows every fault kind from the outside, on demand and on schedule', async () => {
    const ctlPort = await freePort();
    const sim = spawnSim(['-c', siteFile, '--speed', '60', '--control', `127.0.0.1:${ctlPort}`]);
    await waitFor(() => (/^site cli-site: 4 meters/m.test(sim.stdout()) ? true : undefined), { timeoutMs: 20_000, what: `start-up: ${sim.stderr()}` });
    const ctl = `http://127.0.0.1:${ctlPort}`;
    const tcp = endpointOf(sim.stdout(), 'tcp-1');
    const bridge = endpointOf(sim.stdout(), 'bridge-1');
    const onTcp = link('tcp', tcp);
    const onBridge = link('rtu-over-tcp', bridge);
    const fault = async (meter: string, f: unknown) => {
      const r = await control(ctl, '/faults', { meter, fault: f });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };

    // The scheduled fault has not come yet; the meter answers.
    const first = await control(ctl, '/meters');
    expect(first.body.now as number).toBeLessThan((first.body.started as number) + 6 * 60_000);
    await read(onTcp, 4, 'DVH4013');

    // Validation names the field.
    const bad = await control(ctl, '/faults', { meter: 'light', fault: { kind: 'delay' } });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'fault.ms' })]);
    expect((await control(ctl, '/faults', { meter: 'nope', fault: null })).status).toBe(404);
    expect((await control(ctl, '/replace', { meter: 'light', first: -1 })).body.issues).toEqual([expect.objectContaining({ path: 'first' })]);

    // No answer: the read times out; cleared, it answers again.
    await fault('light', { kind: 'silent' });
    await expect(read(onTcp, 2, 'DVH4013', 300)).rejects.toBeInstanceOf(ModbusTimeoutError);
    await fault('light', null);
    await read(onTcp, 2, 'DVH4013');

    // A late answer: too late for a short timeout, in time for a long one.
    await fault('light', { kind: 'delay', ms: 600 });
    await expect(read(onTcp, 2, 'DVH4013', 300)).rejects.toBeInstanceOf(ModbusTimeoutError);
    await sleep(400);
    const t0 = Date.now();
    await read(onTcp, 2, 'DVH4013', 2000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    await fault('light', null);

    // CRC errors and garbage on the RTU line behind the bridge.
    await fault('canteen', { kind: 'bad_crc' });
    const crc = await read(onBridge, 3, 'SDM630', 500).catch((e: Error) => e);
    expect(crc).toBeInstanceOf(ModbusFrameError);
    expect((crc as Error).message).toMatch(/CRC/i);
    await fault('canteen', { kind: 'garbage', length: 9 });
    await expect(read(onBridge, 3, 'SDM630', 500)).rejects.toThrow();
    await fault('canteen', null);
    await sleep(300);
    expect(await read(onBridge, 3, 'SDM630')).toBeGreaterThan(500);

    // A stuck value: unchanged while the clock runs (×60: a second is a minute of 20–40 kW).
    await fault('light', { kind: 'stuck' });
    const stuck = await read(onTcp, 2, 'DVH4013');
    await sleep(1200);
    expect(await read(onTcp, 2, 'DVH4013')).toBe(stuck);
    await fault('light', null);
    await sleep(1200);
    expect(await read(onTcp, 2, 'DVH4013')).toBeGreaterThan(stuck);

    // Rollover: the u32 Wh register wraps to 0 and counts on from there.
    const roll = await fault('light', { kind: 'rollover', before: 0.5 });
    expect(roll.wrapAt).toBe(2 ** 32 / 1000);
    const wrapped = await waitFor(async () => { const v = await read(onTcp, 2, 'DVH4013'); return v < 100 ? v : undefined; }, { timeoutMs: 5000, what: 'the counter to wrap' });
    expect(wrapped).toBeGreaterThanOrEqual(0);

    // Replacement: the new meter's first value.
    const rep = await control(ctl, '/replace', { meter: 'light', first: 5 });
    expect(rep.status).toBe(200);
    expect(rep.body.new_first).toEqual({ energy_import_kwh: 5 });
    const after = await read(onTcp, 2, 'DVH4013');
    expect(after).toBeGreaterThanOrEqual(5);
    expect(after).toBeLessThan(6);

    // A link dropped: connections refused while it is down, the same port back afterwards.
    await fault('main', { kind: 'link_drop' });
    // The open connection is closed under the client (a request on it may just time out), then
    // reconnecting is refused.
    const down = await waitFor(() => read(onTcp, 1, 'SDM630', 300).then(() => { throw new Error('answered while the link was down'); },
      (e: Error) => (e instanceof LinkDownError ? e : undefined)), { timeoutMs: 5000, what: 'the link to go down' });
    expect(down.message).toMatch(/ECONNREFUSED|refused|closed/i);
    await expect(new Promise((resolve, reject) => net.connect(tcp.port, tcp.host).once('connect', resolve).once('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(((await control(ctl, '/meters')).body.meters as { id: string; linkDown: boolean }[]).filter((m) => m.linkDown).map((m) => m.id)).toEqual(['main', 'light', 'spare']);
    await fault('main', null);
    expect(await waitFor(() => read(onTcp, 1, 'SDM630'), { timeoutMs: 5000, what: 'the link back' })).toBeGreaterThan(0);

    // The scheduled fault: silent from minute 6 to minute 9 of the building's clock.
    const meters = async () => (await control(ctl, '/meters')).body;
    await waitFor(async () => { const b = await meters(); return (b.now as number) >= (b.started as number) + 6.2 * 60_000 ? true : undefined; }, { timeoutMs: 15_000, what: 'minute 6' });
    expect(((await meters()).meters as { id: string; fault: unknown }[]).find((m) => m.id === 'spare')!.fault).toEqual({ kind: 'silent' });
    await expect(read(onTcp, 4, 'DVH4013', 300)).rejects.toBeInstanceOf(ModbusTimeoutError);
    expect((await meters()).now as number).toBeLessThan(((await meters()).started as number) + 9 * 60_000);
    await waitFor(async () => { const b = await meters(); return (b.now as number) >= (b.started as number) + 9.2 * 60_000 ? true : undefined; }, { timeoutMs: 15_000, what: 'minute 9' });
    expect(await read(onTcp, 4, 'DVH4013')).toBeGreaterThan(10);
    expect(sim.stdout()).toMatch(/fault spare: \{"kind":"silent"\} \(scheduled\)/);

    expect(await stopSim(sim)).toBe(0);
  }, 50_000);
  it('publishes the site\'s MQTT meters to the broker given with --mqtt', async () => {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const file = path.join(tmp.dir, 'mqtt-site.yaml');
    // The site names another broker; --mqtt wins.
    writeFileSync(file, `
site: mq
origin: '2026-01-01'
endpoints: [{ id: plugs, type: mqtt, url: 'mqtt://192.0.2.1:1883', periodS: 0.2 }]
buildings:
  - id: hall
    meters:
      - { id: plug-1, model: Tasmota, kind: electricity, endpoint: plugs, zone: logistics, endUse: special, facility: canteen, profile: canteen, scale: 2, initial: 42 }
`);
    const ctlPort = await freePort();
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`);
    const got: { topic: string; body: string; at: number }[] = [];
    try {
      await new Promise<void>((r) => client.once('connect', () => r()));
      await client.subscribeAsync('tele/+/SENSOR');
      client.on('message', (topic, payload) => got.push({ topic, body: payload.toString('utf8'), at: Date.now() }));
      const sim = spawnSim(['-c', file, '--mqtt', `mqtt://127.0.0.1:${port}`, '--control', `127.0.0.1:${ctlPort}`]);
      await waitFor(() => (/^site mq: 1 meters/m.test(sim.stdout()) ? true : undefined), { timeoutMs: 20_000, what: `start-up: ${sim.stderr()}` });
      expect(sim.stdout()).toContain(`serving plugs mqtt mqtt://127.0.0.1:${port} (1 meters)`);
      await waitFor(() => (got.length >= 2 ? true : undefined), { what: 'two telegrams' });
      const t = JSON.parse(got.at(-1)!.body) as { Time: string; ENERGY: { Total: number; Power: number; Voltage: number } };
      expect(got.at(-1)!.topic).toBe('tele/plug-1/SENSOR');
      expect(t.ENERGY.Total).toBeGreaterThan(42);
      expect(t.Time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);

      const r = await control(`http://127.0.0.1:${ctlPort}`, '/faults', { meter: 'plug-1', fault: { kind: 'silent' } });
      expect(r.status).toBe(200);
      await sleep(300);
      const n = got.length;
      await sleep(800);
      expect(got.length).toBe(n);
      expect(await stopSim(sim)).toBe(0);
    } finally {
      await client.endAsync(true);
      await new Promise<void>((r) => broker.close(() => server.close(() => r())));
    }
  }, 30_000);

  it('exits with an error naming the broker when the MQTT broker cannot be reached', async () => {
    const port = await freePort(); // nothing listens here
    const file = path.join(tmp.dir, 'mqtt-down-site.yaml');
    writeFileSync(file, `
site: mqdown
origin: '2026-01-01'
endpoints: [{ id: plugs, type: mqtt, url: 'mqtt://127.0.0.1:${port}', periodS: 1 }]
buildings:
  - id: hall
    meters:
      - { id: plug-1, model: Tasmota, kind: electricity, endpoint: plugs, zone: administrative, endUse: lighting_sockets, profile: office, scale: 1 }
`);
    const sim = spawnSim(['-c', file]);
    const timer = setTimeout(() => sim.child.kill('SIGKILL'), 25_000);
    const code = await sim.exited;
    clearTimeout(timer);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(sim.stderr()).toContain(`mqtt://127.0.0.1:${port} not reachable`);
  }, 30_000);
});
