import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../gateway/models/index.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';
import { ARTIFACTS, launchChromium, startDashboardIngestor, type DashboardIngestor } from '../support/browser.ts';
import { startTestGateway, waitFor, type TestGateway } from '../support/harness.ts';
import { connectGateway, reading, type GatewayClient } from '../support/mqtt-gateway.ts';

interface ApiMeter { id: string; last_reading: { values: Record<string, number> } | null }

describe('dashboard views in Chromium', () => {
  let sim: MeterSimulator;
  let dash: DashboardIngestor;
  let gw: TestGateway;
  let rogue: GatewayClient;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  const sdm = findModel('SDM630')!;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    sim = await startMeterSimulator({
      tcp: { host: '127.0.0.1', port: 0 },
      clock: { frozen: true },
      meters: [
        { unitId: 1, model: sdm, inputs: { power_kw: 40 }, counters: { energy_import_kwh: 9000 } },
        { unitId: 2, model: sdm, inputs: { power_kw: 12.5 }, counters: { energy_import_kwh: 3000 } },
        { unitId: 3, model: sdm, inputs: { power_kw: 21 }, counters: { energy_import_kwh: 4000 } },
      ],
    });
    dash = await startDashboardIngestor({ gateways: [['hq', 'gw-1'], ['hq', 'gw-2']] });
    const mqttUrl = `mqtt://127.0.0.1:${dash.ingestor.broker!.port}`;
    gw = await startTestGateway({
      site: 'hq', gateway: 'gw-1', building: 'tower',
      uplink: { url: mqttUrl, username: 'gw-1', password: dash.ing.passwords['gw-1'], batch: { maxAgeMs: 100 } },
      buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: sim.tcp!.port }],
      meters: [
        { id: 'main', bus: 'tcp-1', unitId: 1, model: 'SDM630', zone: 'administrative', endUse: 'total', role: 'main', intervalMs: 500 },
        { id: 'lights', bus: 'tcp-1', unitId: 2, model: 'SDM630', zone: 'administrative', endUse: 'lighting_sockets', parent: 'main', intervalMs: 500 },
        { id: 'chiller', bus: 'tcp-1', unitId: 3, model: 'SDM630', zone: 'business', endUse: 'air_conditioning', parent: 'main', intervalMs: 500 },
      ],
    });
    // A second gateway sends a reading of a meter it never declared: the ingestor quarantines it.
    rogue = await connectGateway({ url: mqttUrl, site: 'hq', gateway: 'gw-2', password: dash.ing.passwords['gw-2'] });
    await rogue.publishBatch(1, [reading('ghost', Date.now(), 1)]);
    await waitFor(() => rogue.acked.get(1));
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    await rogue?.close();
    await gw?.close();
    await dash?.close();
    await sim?.close();
  });

  const apiMeters = async () => {
    const r = await fetch(`${dash.url}/api/v1/meters?site=hq`);
    return ((await r.json()) as { meters: ApiMeter[] }).meters;
  };
  const power = (ms: ApiMeter[], id: string) => ms.find((m) => m.id === id)?.last_reading?.values.power_kw;

  it('shows live totals, the zone and end-use split, device health and quarantine as the API reports them', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dash.url}/`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await waitFor(async () => {
      const ms = await apiMeters();
      return ['main', 'lights', 'chiller'].every((id) => power(ms, id) !== undefined) ? ms : undefined;
    });
    const ms = await apiMeters();
    const num = async (sel: string) => Number(await page.locator(sel).getAttribute('data-value', { timeout: 15_000 }));

    // The site total is the main meter alone; the split sums sub-meters, never main and subs together.
    await expect.poll(() => num('[data-live-total="electricity"]'), { timeout: 15_000 }).toBeCloseTo(power(ms, 'main')!, 6);
    await expect.poll(() => num('[data-live-zone="administrative"][data-kind="electricity"]')).toBeCloseTo(power(ms, 'lights')!, 6);
    await expect.poll(() => num('[data-live-zone="business"][data-kind="electricity"]')).toBeCloseTo(power(ms, 'chiller')!, 6);
    await expect.poll(() => num('[data-live-end-use="air_conditioning"][data-kind="electricity"]')).toBeCloseTo(power(ms, 'chiller')!, 6);
    expect(await page.locator('[data-live-end-use="total"]').count()).toBe(0);

    await expect.poll(() => page.locator('tr[data-gateway="gw-1"] [data-online]').getAttribute('data-online'), { timeout: 15_000 }).toBe('true');
    await expect.poll(() => page.locator('[data-meters-total]').getAttribute('data-meters-total')).toBe('3');
    await expect.poll(() => page.locator('[data-meters-online]').getAttribute('data-meters-online')).toBe('3');
    await expect.poll(() => page.locator('tr[data-quarantine] [data-reason]').first().getAttribute('data-reason'), { timeout: 15_000 }).toBe('unknown_meter');

    // A change at a sub-meter moves its zone figure within seconds.
    sim.meter(3).set({ power_kw: 7.5 });
    await expect.poll(() => num('[data-live-zone="business"][data-kind="electricity"]'), { timeout: 10_000 }).toBeCloseTo(7.5, 3);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-zh.png'), fullPage: true });

    await page.locator('#lang').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Zone metering');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('nav a[href="#live"]').textContent()).toBe('Live');
    expect(await page.locator('#health-body h3').first().textContent()).toBe('Gateways');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-en.png'), fullPage: true });
    await page.close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
    await page.goto(`${dash.url}/`);
    await page.locator('[data-live-total="electricity"][data-value]').first().waitFor({ timeout: 15_000 });
    await page.locator('tr[data-gateway="gw-1"]').waitFor({ timeout: 15_000 });
    const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone-zh.png'), fullPage: true });
    await page.close();
  });
});
