import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pino from 'pino';
import { findModel } from '../../gateway/models/index.ts';
import { build as buildIngestor, type Ingestor } from '../../ingestor/app.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';
import { ARTIFACTS, launchChromium } from '../support/browser.ts';
import { startTestGateway, startTestIngestor, waitFor, type TestGateway, type TestIngestor } from '../support/harness.ts';

describe('dashboard in Chromium', () => {
  let sim: MeterSimulator;
  let ing: TestIngestor;
  let ingestor: Ingestor;
  let url: string;
  let gw: TestGateway;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sim = await startMeterSimulator({
      tcp: { host: '127.0.0.1', port: 0 },
      clock: { frozen: true },
      meters: [{ unitId: 1, model: findModel('SDM630')!, inputs: { power_kw: 31.25 }, counters: { energy_import_kwh: 5000 } }],
    });
    // The test ingestor, rebuilt with the dashboard served at `/`.
    ing = await startTestIngestor({ gateways: [['hq', 'gw-1']] });
    await ing.ingestor.close();
    ingestor = await buildIngestor(ing.config, { log: pino({ level: 'silent' }), dashboardDir: inject('dashboardDir') });
    url = await ingestor.listen();
    gw = await startTestGateway({
      site: 'hq', gateway: 'gw-1', building: 'tower',
      uplink: { url: `mqtt://127.0.0.1:${ingestor.broker!.port}`, username: 'gw-1', password: ing.passwords['gw-1'], batch: { maxAgeMs: 100 } },
      buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: sim.tcp!.port }],
      meters: [{ id: 'main', bus: 'tcp-1', unitId: 1, model: 'SDM630', zone: 'administrative', endUse: 'total', role: 'main', intervalMs: 500 }],
    });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
    await ingestor?.close();
    await sim?.close();
  });

  it('shows the live reading, follows a change, and switches language', async () => {
    const page = await chromium.browser.newPage();
    await page.goto(`${url}/`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect.poll(() => page.locator('h1').textContent()).toBe('分区计量');

    const power = page.locator('article[data-meter="main"] dd[data-key="power_kw"]');
    await power.waitFor({ timeout: 15_000 });
    const api = await waitFor(async () => {
      const r = await fetch(`${url}/api/v1/meters/main/latest`);
      return r.ok ? ((await r.json()) as { values: Record<string, number> }) : undefined;
    });
    expect(Number(await power.getAttribute('data-value'))).toBeCloseTo(api.values.power_kw!, 6);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-live-zh.png'), fullPage: true });

    sim.meter(1).set({ power_kw: 12.5 });
    await expect.poll(async () => Number(await power.getAttribute('data-value')), { timeout: 10_000 }).toBeCloseTo(12.5, 3);

    await page.locator('#lang').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Zone metering');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-live-en.png'), fullPage: true });
  });
});
