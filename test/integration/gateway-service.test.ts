import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startWatchdog } from '../../gateway/health/watchdog.ts';
import { tempDir, waitFor } from '../support/harness.ts';
import { freePort } from '../../cli/ports.ts';
import { gatewayConfig, killAllZm, sdm630Simulator, spawnZm } from '../support/processes.ts';

// The service a board runs: the unit `gateway install-service` writes, checked by systemd's own
// `systemd-analyze verify`, and the watchdog pings sent by the real `systemd-notify` to a
// notification socket (a Unix datagram socket, as systemd's; Node cannot bind one, python3 can).
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = tempDir('zm-service-');
const children: ChildProcess[] = [];
afterAll(async () => {
  await killAllZm();
  for (const c of children) c.kill('SIGKILL');
  tmp.remove();
});

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }));
  });
}

async function zm(args: string[]): Promise<{ code: number; out: string }> {
  const p = spawnZm(args);
  const { code } = await p.exited;
  return { code: code ?? 1, out: [...p.lines.map((l) => JSON.stringify(l)), ...p.other].join('\n') };
}

/** A notification socket like systemd's; every datagram received is one entry. */
async function notifySocket(file: string): Promise<{ messages: string[] }> {
  const messages: string[] = [];
  const py = spawn('python3', ['-u', '-c', [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    `s.bind(${JSON.stringify(file)})`,
    'print("ready", flush=True)',
    'while True:',
    '    print(s.recv(4096).decode().replace("\\n", " "), flush=True)',
  ].join('\n')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(py);
  let ready = false;
  py.stdout!.on('data', (b: Buffer) => {
    for (const line of b.toString('utf8').split('\n').filter(Boolean)) {
      if (line === 'ready') ready = true;
      else messages.push(line);
    }
  });
  await waitFor(() => (ready ? true : undefined), { what: 'the notification socket' });
  return { messages };
}

describe('gateway install-service', () => {
  it('writes a unit that systemd-analyze verify accepts, with state, config, dialout and the watchdog', async () => {
    const unit = path.join(tmp.dir, 'zonemeter-gateway.service');
    const config = path.join(tmp.dir, 'gateway.yaml');
    // A journal outside /var/lib/zonemeter must become writable under ProtectSystem=strict.
    writeFileSync(config, readFileSync(path.join(ROOT, 'gateway/examples/building.yaml'), 'utf8').replace('dir: /var/lib/zonemeter/journal', 'dir: /data/zonemeter journal'));
    const res = await zm(['gateway', 'install-service', '--config', config, '--output', unit, '--node-flag=--max-semi-space-size=1']);
    expect(res.code, res.out).toBe(0);
    const text = readFileSync(unit, 'utf8');
    for (const line of [
      'Restart=on-failure', 'WatchdogSec=60s', 'NotifyAccess=all', 'StateDirectory=zonemeter', 'ConfigurationDirectory=zonemeter',
      'WorkingDirectory=/var/lib/zonemeter', 'SupplementaryGroups=dialout', 'User=zonemeter', 'StandardOutput=journal', 'ProtectSystem=strict',
      'ReadWritePaths="/data/zonemeter journal"',
      `ExecStart=${process.execPath} --lite-mode --max-semi-space-size=1 ${path.join(ROOT, 'bin/zonemeter.js')} gateway run -c ${config}`,
    ]) expect(text.split('\n')).toContain(line);
    const verify = await run('systemd-analyze', ['verify', unit]);
    expect(verify).toEqual({ code: 0, out: '' });
  });

  it('refuses a user name systemd would not take, and a watchdog out of range', async () => {
    expect((await zm(['gateway', 'install-service', '--user', 'Bad User', '-o', '-'])).code).toBe(2);
    expect((await zm(['gateway', 'install-service', '--watchdog', '2', '-o', '-'])).code).toBe(2);
  });
});

describe('systemd watchdog', () => {
  it('pings through systemd-notify while the poll loop turns, and stops when it stalls', async () => {
    const sock = path.join(tmp.dir, 'notify.sock');
    const { messages } = await notifySocket(sock);
    let progress = 0;
    const env = { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '4000000' };
    const dog = startWatchdog({ env, log: pino({ level: 'silent' }), progress: () => progress, stallMs: 1500 });
    try {
      expect(dog.intervalMs).toBe(1000);
      const turning = setInterval(() => progress++, 200);
      await waitFor(() => (messages.filter((m) => m === 'WATCHDOG=1').length >= 3 ? true : undefined), { timeoutMs: 10_000, what: 'three pings' });
      clearInterval(turning);
      // Stalled: after stallMs the pings stop, so systemd would restart the process.
      await new Promise((r) => setTimeout(r, 2600));
      const before = messages.length;
      await new Promise((r) => setTimeout(r, 2100));
      expect(messages.length).toBe(before);
      expect(dog.stats.withheld).toBeGreaterThanOrEqual(2);
      // Moving again, it pings again.
      progress++;
      await waitFor(() => (messages.length > before ? true : undefined), { timeoutMs: 5_000, what: 'pings after progress resumed' });
    } finally {
      dog.stop();
    }
  }, 30_000);

  it('is off when systemd did not ask for it, or asked another PID', () => {
    const log = pino({ level: 'silent' });
    expect(startWatchdog({ env: {}, log, progress: () => 0, stallMs: 1000 }).intervalMs).toBeNull();
    expect(startWatchdog({ env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, log, progress: () => 0, stallMs: 1000 }).intervalMs).toBeNull();
    expect(existsSync('/usr/bin/systemd-notify') || existsSync('/bin/systemd-notify')).toBe(true);
  });

  it('`gateway run` under a watchdog pings while it polls', async () => {
    const sock = path.join(tmp.dir, 'gw-notify.sock');
    const { messages } = await notifySocket(sock);
    const sim = await sdm630Simulator(1);
    try {
      const file = path.join(tmp.dir, 'gw.json');
      // The uplink points at a closed port: the watchdog is about polling, not the ingestor.
      writeFileSync(file, JSON.stringify(gatewayConfig('svc', 'gw-svc', { uplink: `mqtt://127.0.0.1:${await freePort()}`, simPort: sim.tcp!.port, meters: 1, dir: tmp.dir })));
      const gw = spawnZm(['gateway', 'run', '-c', file], { ZM_GATEWAY_HTTP: `127.0.0.1:${await freePort()}`, NOTIFY_SOCKET: sock, WATCHDOG_USEC: '4000000' });
      await gw.waitForLine((l) => l.msg === 'systemd watchdog on', 30_000, 'the watchdog to start');
      await waitFor(() => (messages.filter((m) => m === 'WATCHDOG=1').length >= 2 ? true : undefined), { timeoutMs: 15_000, what: 'pings from the gateway' });
      await gw.stop();
    } finally {
      await sim.close();
    }
  }, 60_000);
});
