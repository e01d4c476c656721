import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PlatformCodec } from '../../core/platform/codec.ts';
import type { Body, Message } from '../../core/platform/messages.ts';
import { PlatformSimulator } from '../../simulators/platform/index.ts';
import { freePort } from '../../cli/ports.ts';
import { tempDir, waitFor } from '../support/harness.ts';

// The reference platform over real TCP, driven by a hand-made collector: the challenge, heartbeats,
// acknowledgements, exactly-once storage, and each refusal the guideline's dialects need.
const ROOT = path.resolve(import.meta.dirname, '../..');
const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const IV = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
const SECRET = 'a shared secret';
const codec = new PlatformCodec({ dialect: 'gb2008', key: KEY, iv: IV, maxFrameBytes: 1 << 20, maxMeters: 100 });
const ids = { building: '330100A088', gateway: '01' };

/** A raw collector: writes bytes, reads answers in order. */
class Collector {
  private readonly answers: Message[] = [];
  private readonly reader = codec.reader();
  private seq = 0;
  closed = false;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (c: Buffer) => {
      for (const f of this.reader.push(c)) {
        if (f instanceof Error) throw f;
        this.answers.push(codec.decode(f));
      }
    });
    sock.on('close', () => { this.closed = true; });
    sock.on('error', () => {});
  }
  static async open(port: number): Promise<Collector> {
    const s = net.connect({ host: '127.0.0.1', port });
    await new Promise((r, j) => { s.once('connect', r); s.once('error', j); });
    return new Collector(s);
  }
  send(body: Body): void { this.sock.write(codec.encode({ ...ids, body }, ++this.seq)); }
  raw(bytes: Buffer): void { this.sock.write(bytes); }
  async next(): Promise<Message> {
    return waitFor(() => this.answers.shift(), { timeoutMs: 5000, what: 'an answer from the platform' });
  }
  async auth(secret = SECRET): Promise<Message> {
    this.send({ type: 'request' });
    const seq = await this.next();
    if (seq.body.type !== 'sequence') throw new Error(`got ${seq.body.type}`);
    this.send({ type: 'md5', md5: createHash('md5').update(seq.body.sequence + secret).digest('hex') });
    return this.next();
  }
}

const report = (time: string, sequence: number, type: 'report' | 'continuous' = 'report'): Body => ({
  type, sequence, time,
  meters: [{ id: 1, name: 'main-elec', functions: [{ id: 1, coding: '01000', error: '192', value: 100.5 }] }],
  items: [{ coding: '01000', error: '192', value: 2.25 }],
});

describe('the reference platform', () => {
  const tmp = tempDir('zm-platform-sim-');
  const sims: PlatformSimulator[] = [];
  const open: Collector[] = [];
  const start = async () => {
    const sim = new PlatformSimulator({ port: 0, secret: SECRET, key: KEY, iv: IV, store: path.join(tmp.dir, `store-${sims.length}.jsonl`) });
    sims.push(sim);
    await sim.up();
    return sim;
  };
  const connect = async (sim: PlatformSimulator) => { const c = await Collector.open(sim.port); open.push(c); return c; };
  afterEach(() => { for (const c of open.splice(0)) c.sock.destroy(); });
  afterAll(async () => { for (const s of sims) await s.close(); tmp.remove(); });

  it('challenges, checks the MD5, answers heartbeats with its time and stores a period once however often it comes', async () => {
    const sim = await start();
    const c = await connect(sim);
    expect((await c.auth()).body).toEqual({ type: 'result', result: 'pass' });
    c.send({ type: 'notify' });
    const time = await c.next();
    expect(time.body.type).toBe('time');
    expect((time.body as { time: string }).time).toMatch(/^20\d{12}$/);
    c.send(report('20250101010000', 7));
    expect((await c.next()).body).toEqual({ type: 'report_ack', sequence: 7, ack: 'pass' });
    c.send(report('20250101010000', 8, 'continuous'));
    expect((await c.next()).body).toEqual({ type: 'continuous_ack', sequence: 8, ack: 'pass' });
    expect(sim.periods()).toHaveLength(1);
    expect(sim.counters.duplicates).toBe(1);
    const lines = readFileSync(path.join(tmp.dir, 'store-0.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ building: '330100A088', gateway: '01', time: '20250101010000', operation: 'report', items: [{ coding: '01000', value: 2.25 }] });
    // A restarted platform reading the same store still keeps the period once.
    const again = new PlatformSimulator({ port: 0, secret: SECRET, key: KEY, iv: IV, store: path.join(tmp.dir, 'store-0.jsonl') });
    sims.push(again);
    expect(again.periods()).toHaveLength(1);
  });

  it('fails a wrong secret and closes the connection', async () => {
    const sim = await start();
    const c = await connect(sim);
    expect((await c.auth('not the secret')).body).toEqual({ type: 'result', result: 'fail' });
    await waitFor(() => (c.closed ? true : undefined), { what: 'the connection to close' });
    expect(sim.counters.authFailures).toBe(1);
  });

  it('refuses data before authentication, a bad CRC, bad padding and malformed XML, naming each', async () => {
    const sim = await start();
    const c = await connect(sim);
    c.send(report('20250101010000', 1));
    expect((await c.next()).body).toMatchObject({ type: 'error', fault: 'unauthenticated' });

    const bad = codec.encode({ ...ids, body: { type: 'request' } }, 9);
    bad[20]! ^= 0xff;
    c.raw(bad);
    expect((await c.next()).body).toMatchObject({ type: 'error', fault: 'bad_crc' });

    const otherKey = new PlatformCodec({ dialect: 'gb2008', key: Buffer.alloc(16, 1), iv: IV, maxFrameBytes: 1 << 20, maxMeters: 10 });
    c.raw(otherKey.encode({ ...ids, body: { type: 'request' } }, 10));
    expect((await c.next()).body).toMatchObject({ type: 'error', fault: 'bad_padding' });

    // Well-framed, well-encrypted, but not the guideline's XML.
    const xmlCodec = new PlatformCodec({ dialect: 'gb2008', key: KEY, iv: IV, padding: 'zero', maxFrameBytes: 1 << 20, maxMeters: 10 });
    const { encrypt } = await import('../../core/platform/cipher.ts');
    const { encodeFrame } = await import('../../core/platform/frame.ts');
    c.raw(encodeFrame(xmlCodec.dialect, { seq: 11, cipher: encrypt(Buffer.from('<root><common><building_id>1</building_id></common>'), { key: KEY, iv: IV, padding: 'zero' }) }));
    const m = await c.next();
    expect(m.body).toMatchObject({ type: 'error', fault: 'malformed_xml' });
    expect(sim.counters.refused).toMatchObject({ unauthenticated: 1, bad_crc: 1, bad_padding: 1, malformed_xml: 1 });
    expect(sim.periods()).toHaveLength(0);
    // Still talking: the same connection authenticates afterwards, for its own building only.
    expect((await c.auth()).body).toEqual({ type: 'result', result: 'pass' });
    c.sock.write(codec.encode({ building: '330100A099', gateway: '01', body: report('20250101010000', 2) }, 99));
    expect((await c.next()).body).toMatchObject({ type: 'error', fault: 'unauthenticated' });
    expect(sim.periods()).toHaveLength(0);
  });

  it('refuses a frame longer than its bound before reading it, and closes', async () => {
    const sim = await start();
    const c = await connect(sim);
    c.raw(Buffer.concat([Buffer.from([0x55, 0xaa, 0x55, 0xaa]), Buffer.from([0x00, 0x00, 0x00, 0x40])]));
    expect((await c.next()).body).toMatchObject({ type: 'error', fault: 'too_large' });
    await waitFor(() => (c.closed ? true : undefined), { what: 'the connection to close' });
  });

  it('speaks the renewable dialect: swapped head and tail, "0" padding, project_id', async () => {
    const sim = new PlatformSimulator({ port: 0, secret: SECRET, key: KEY, iv: IV, dialect: 'renewable' });
    sims.push(sim);
    await sim.up();
    const renewable = new PlatformCodec({ dialect: 'renewable', key: KEY, iv: IV, maxFrameBytes: 1 << 20, maxMeters: 10 });
    const s = net.connect({ host: '127.0.0.1', port: sim.port });
    await new Promise((r) => s.once('connect', r));
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    s.write(renewable.encode({ building: '110000015', gateway: '1100000140202', body: { type: 'request' } }, 1));
    const first = await waitFor(() => (got.length ? Buffer.concat(got) : undefined), { what: 'the challenge' });
    expect(first.subarray(0, 4).toString('hex')).toBe('68681616');
    const [f] = renewable.reader().push(first);
    if (!f || f instanceof Error) throw new Error('expected a frame');
    expect(renewable.decode(f)).toMatchObject({ building: '110000015', body: { type: 'sequence' } });
    s.destroy();
  });

  it('stays down on command and comes back on the same port', async () => {
    const sim = await start();
    const port = sim.port;
    const c = await connect(sim);
    await sim.down();
    await waitFor(() => (c.closed ? true : undefined), { what: 'the connection to drop' });
    await expect(Collector.open(port)).rejects.toThrow(/ECONNREFUSED/);
    await sim.up();
    expect(sim.port).toBe(port);
    const d = await connect(sim);
    expect((await d.auth()).body).toEqual({ type: 'result', result: 'pass' });
  });
});

describe('zonemeter sim platform', () => {
  const children = new Set<ChildProcess>();
  afterAll(() => { for (const c of children) c.kill('SIGKILL'); });
  const run = (args: string[]) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/zonemeter.js'), 'sim', 'platform', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ZM_LANG: 'en' } });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString('utf8'); });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString('utf8'); });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => { children.delete(child); r(code); }));
    return { child, out: () => out, exited };
  };

  it('names a bad key and exits 2', async () => {
    const p = run(['--port', '0', '--secret', 's', '--key', 'xyz', '--iv', IV.toString('hex')]);
    expect(await p.exited).toBe(2);
    expect(p.out()).toMatch(/--key: expected 32 hex digits or 16 ASCII characters/);
  });

  it('serves the protocol and its control API until SIGINT', async () => {
    const [port, ctl] = [await freePort(), await freePort()];
    const p = run(['--port', String(port), '--secret', SECRET, '--key', KEY.toString('hex'), '--iv', IV.toString('hex'), '--control', `127.0.0.1:${ctl}`]);
    await waitFor(() => (p.out().includes('control http://') ? true : undefined), { timeoutMs: 20_000, what: 'the simulator to start' });
    const s = net.connect({ host: '127.0.0.1', port });
    const c = new Collector(s);
    await new Promise((r) => s.once('connect', r));
    expect((await c.auth()).body).toEqual({ type: 'result', result: 'pass' });
    const status = await (await fetch(`http://127.0.0.1:${ctl}/status`)).json() as { listening: boolean; counters: { authenticated: number } };
    expect(status).toMatchObject({ listening: true, counters: { authenticated: 1 } });
    expect((await fetch(`http://127.0.0.1:${ctl}/down?for_s=-1`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${ctl}/down`, { method: 'POST' })).status).toBe(200);
    await waitFor(() => (c.closed ? true : undefined), { what: 'the connection to drop' });
    s.destroy();
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    expect(p.out()).toMatch(/stopped: 0 periods stored/);
  }, 40_000);
});
