import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { freePort } from '../../cli/ports.ts';
import { parseConfig } from '../../core/index.ts';
import { build, type Gateway } from '../../gateway/app.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { buildConsole } from '../../scripts/build-console.ts';
import { launchChromium } from '../support/browser.ts';
import { tempDir, waitFor } from '../support/harness.ts';
import { spawnZm } from '../support/processes.ts';

// The commissioning console as an engineer meets it: `zonemeter sim building` serves three Modbus
// meters, a gateway polls them, and the page is opened in Chromium.
const ROOT = path.resolve(import.meta.dirname, '../..');
const SCREENSHOT = path.join(ROOT, 'docs/img/gateway-console.png');
const SITE = `
site: console-site
gateway: gw-c
seed: 7
origin: '2026-01-01'
endpoints:
  - { id: tcp-1, type: tcp, host: 127.0.0.1, port: 0 }
buildings:
  - id: hq
    meters:
      - { id: main, name: Main incomer, model: SDM630, endpoint: tcp-1, unitId: 1, zone: administrative, endUse: total, losses: 0.02 }
      - { id: light, name: Lighting and sockets, model: DTSU666, endpoint: tcp-1, unitId: 2, parent: main, zone: administrative, endUse: lighting_sockets, profile: base, scale: 40, initial: 1000 }
      - { id: ac, name: AC plant, model: SDM630, endpoint: tcp-1, unitId: 3, parent: main, zone: business, endUse: air_conditioning, profile: base, scale: 30, initial: 500 }
`;
const PASSWORD = 'room-b2-console';

const tmp = tempDir('zm-gw-console-');
let sim: ChildProcess;
let control: string;
let gatewayConfig: Record<string, unknown>;
let consoleDir: string;
const gateways: Gateway[] = [];
let chromium: Awaited<ReturnType<typeof launchChromium>>;

/** A gateway in this process on a free loopback port, serving the console built for this run. */
async function startGateway(http: unknown): Promise<string> {
  const file = path.join(tmp.dir, `gateway-${gateways.length}.yaml`);
  const raw = { ...gatewayConfig, http, journal: { dir: path.join(tmp.dir, `journal-${gateways.length}`), fsyncIntervalMs: 100 } };
  writeFileSync(file, toYaml(raw));
  const gw = await build(parseConfig(GatewayConfigSchema, raw, file), { log: pino({ level: 'silent' }), consoleDir, configFile: file });
  gateways.push(gw);
  return gw.start();
}

async function fault(meter: string, f: unknown): Promise<void> {
  const res = await fetch(`${control}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ meter, fault: f }) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  consoleDir = (await buildConsole(path.join(tmp.dir, 'console'))).dir;
  writeFileSync(path.join(tmp.dir, 'site.yaml'), SITE);
  const ctlPort = await freePort();
  control = `http://127.0.0.1:${ctlPort}`;
  sim = spawn(process.execPath, [path.join(ROOT, 'bin/zonemeter.js'), 'sim', 'building', '-c', path.join(tmp.dir, 'site.yaml'), '--print-gateway-config', '--control', `127.0.0.1:${ctlPort}`],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ZM_LANG: 'en' } });
  let out = '';
  let err = '';
  sim.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  sim.stderr!.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  await waitFor(() => (/^site console-site: 3 meters/m.test(err) ? true : undefined), { timeoutMs: 20_000, what: `the simulated building: ${err}` });
  gatewayConfig = { ...parseYaml(out) as Record<string, unknown>, uplink: { url: `mqtt://127.0.0.1:${await freePort()}` } };
  chromium = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  for (const gw of gateways) await gw.close();
  sim?.kill('SIGINT');
  tmp.remove();
});

describe('gateway console in Chromium', () => {
  it('shows every meter live, finds the simulator by scan, and names the error of a meter silenced', async () => {
    const url = await startGateway('127.0.0.1:0');
    const page = await chromium.browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(`${url}/`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect.poll(() => page.locator('h1').textContent()).toBe('网关调试');

    // Every meter, live: OK, with values in their units, from the same reads the status gives.
    for (const id of ['main', 'light', 'ac']) {
      await expect.poll(() => page.locator(`tr[data-meter="${id}"]`).getAttribute('data-condition'), { timeout: 15_000 }).toBe('ok');
    }
    const power = page.locator('tr[data-meter="main"] .values span[data-key="power_kw"]');
    await expect.poll(() => power.textContent()).toMatch(/^总有功功率 [\d.]+ kW$/);
    const reads = page.locator('tr[data-meter="main"] td.counts');
    const first = Number(await reads.getAttribute('data-reads'));
    await expect.poll(async () => Number(await reads.getAttribute('data-reads')), { timeout: 10_000 }).toBeGreaterThan(first + 1);
    expect(await page.locator('tr[data-bus="tcp-1"] td[data-utilisation]').getAttribute('data-utilisation')).toMatch(/^0\.\d+$/);
    await expect.poll(() => page.locator('#journal-depth').textContent()).not.toBe('0');

    // A scan of unit ids 1–5 on the line in use: the simulator's three ids, with models guessed.
    await page.locator('#scan-ids').fill('1-5');
    await page.locator('#scan-form button[type="submit"]').click();
    await page.locator('#scan-result').waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('#scan-result tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-address')))).toEqual(['1', '2', '3']);
    expect(await page.locator('#scan-result tr[data-address="1"]').textContent()).toContain('SDM630');
    expect(await page.locator('#scan-message').textContent()).toContain('扫描完成，找到 3');

    // One read of one meter: decoded values next to the raw bytes.
    await page.locator('tr[data-meter="main"] button').click();
    await page.locator('#read-result').waitFor({ state: 'visible' });
    expect(await page.locator('#read-result tr[data-key="energy_import_kwh"]').textContent()).toMatch(/正向有功电能[\d.]+kWh/);
    expect(await page.locator('#read-raw').textContent()).toMatch(/fc=04 start=0 count=\d+ rx=[0-9a-f]{8,}/);

    // The simulator silences a meter: the page shows it failing, and says why in words.
    await fault('ac', { kind: 'silent' });
    const ac = page.locator('tr[data-meter="ac"]');
    await expect.poll(() => ac.getAttribute('data-condition'), { timeout: 10_000, interval: 100 }).toBe('failing');
    await expect.poll(() => ac.locator('td.error').textContent()).toMatch(/^无应答（超时）: no response within 1000 ms/);
    // Then, having stopped answering, it is only probed now and then.
    await expect.poll(() => ac.getAttribute('data-condition'), { timeout: 15_000 }).toBe('backed_off');
    expect(await page.locator('tr[data-meter="main"]').getAttribute('data-condition')).toBe('ok');

    await page.locator('#check').click();
    await expect.poll(() => page.locator('#check-message').textContent()).toBe('配置通过');
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.locator('#lang').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Gateway console');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await expect.poll(() => ac.locator('td.error').textContent()).toMatch(/^No answer \(timed out\): no response within 1000 ms/);
    await fault('ac', null);
    await page.close();
  }, 90_000);

  it('refuses to start on a non-loopback address without a password, and with one asks for it', async () => {
    // `gateway run` as an installer starts it: the config names every address but loopback unsafe
    // without a password, before anything listens.
    const file = path.join(tmp.dir, 'open.yaml');
    writeFileSync(file, toYaml({ ...gatewayConfig, http: '0.0.0.0:8081', journal: { dir: path.join(tmp.dir, 'journal-open') } }));
    const run = spawnZm(['gateway', 'run', '-c', file], { ZM_LANG: 'en' });
    expect((await run.exited).code).toBe(1);
    expect(run.other.join('')).toMatch(/http\.password: listening on 0\.0\.0\.0:8081 \(not loopback\) needs http\.password or http\.passwordHash/);

    // With a password, every page asks for it first. (Bound on loopback here: tests listen on nothing else.)
    const url = await startGateway({ listen: '127.0.0.1:0', password: PASSWORD });
    expect((await fetch(`${url}/api/v1/status`)).status).toBe(401);
    const page = await chromium.browser.newPage();
    await page.goto(`${url}/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.locator('#app').isHidden()).toBe(true);
    await page.locator('#password').fill('not-the-password');
    await page.locator('#login-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#login-message').textContent()).toBe('密码错误');
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#login-form button[type="submit"]').click();
    await page.locator('tr[data-meter="main"]').waitFor({ timeout: 15_000 });
    const cookie = (await page.context().cookies()).find((c) => c.name === 'zm_console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.locator('#logout').click();
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.close();
  }, 60_000);
});
