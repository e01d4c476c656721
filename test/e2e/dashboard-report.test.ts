import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../gateway/models/index.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';
import { ARTIFACTS, launchChromium, startDashboardIngestor, type DashboardIngestor } from '../support/browser.ts';
import { startTestGateway, tempDir, waitFor, type TestGateway } from '../support/harness.ts';

const REGISTRY = `
institutions:
  - id: bureau
    name: Test bureau
    type: office
    sites:
      - id: hq
        utcOffset: '+08:00'
        climateZone: hot_summer_cold_winter
        gridRegion: east
        plans: ['14th']
        buildings:
          - id: tower
            area: [{ from: '2019-01-01', m2: 12000 }]
            headcount: [{ year: 2020, persons: 400 }, { year: 2026, persons: 410 }]
            zones: [{ zone: administrative, m2: 7000 }, { zone: business, m2: 5000 }]
            facilities: [central_ac]
            supplies: [electricity]
`;

const INDICATORS = ['kgce_per_m2', 'kgce_per_capita', 'water_m3_per_capita', 'kgco2_per_m2'] as const;

describe('dashboard indicators and coverage in Chromium', () => {
  let sim: MeterSimulator;
  let dash: DashboardIngestor;
  let gw: TestGateway;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  const tmp = tempDir('zm-registry-');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const registry = path.join(tmp.dir, 'sites.yaml');
    writeFileSync(registry, REGISTRY);
    const sdm = findModel('SDM630')!;
    sim = await startMeterSimulator({
      tcp: { host: '127.0.0.1', port: 0 },
      clock: { frozen: true },
      meters: [
        { unitId: 1, model: sdm, inputs: { power_kw: 30 }, counters: { energy_import_kwh: 9000 } },
        { unitId: 2, model: sdm, inputs: { power_kw: 10 }, counters: { energy_import_kwh: 3000 } },
        { unitId: 3, model: sdm, inputs: { power_kw: 15 }, counters: { energy_import_kwh: 4000 } },
      ],
    });
    dash = await startDashboardIngestor({ gateways: [['hq', 'gw-1']], config: { registry } });
    gw = await startTestGateway({
      site: 'hq', gateway: 'gw-1', building: 'tower',
      uplink: { url: `mqtt://127.0.0.1:${dash.ingestor.broker!.port}`, username: 'gw-1', password: dash.ing.passwords['gw-1'], batch: { maxAgeMs: 100 } },
      buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: sim.tcp!.port }],
      meters: [
        { id: 'main', bus: 'tcp-1', unitId: 1, model: 'SDM630', zone: 'administrative', endUse: 'total', role: 'main', intervalMs: 500 },
        { id: 'office', bus: 'tcp-1', unitId: 2, model: 'SDM630', zone: 'administrative', endUse: 'lighting_sockets', parent: 'main', intervalMs: 500 },
        { id: 'hall', bus: 'tcp-1', unitId: 3, model: 'SDM630', zone: 'business', endUse: 'lighting_sockets', parent: 'main', intervalMs: 500 },
      ],
    });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
    await dash?.close();
    await sim?.close();
    tmp.remove();
  });

  it('shows the indicator cards and the coverage the API reports, in both languages', async () => {
    const get = async <T>(p: string) => (await (await fetch(`${dash.url}${p}`)).json()) as T;
    // Wait until the ingestor has heard every meter, so coverage counts them live.
    const cov = await waitFor(async () => {
      const c = await get<{ zone: { rate: { value: number | null }; liveRate: { value: number | null } }; facility: { rate: { value: number | null } } }>('/api/v1/sites/hq/coverage');
      return c.zone.liveRate.value === 1 ? c : undefined;
    });
    const year = new Date().getFullYear();
    type Report = { total: { indicators: Record<string, { value: number | null; reason?: string }> } };
    // The cards: the last full year, and this year to date (from February on).
    const periods: [string, Report][] = [['year', await get<Report>(`/api/v1/sites/hq/indicators?year=${year - 1}`)]];
    if (new Date().getMonth() > 0) periods.push(['ytd', await get<Report>(`/api/v1/sites/hq/indicators?year=${year}&ytd=true`)]);

    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dash.url}/`);
    for (const [period, report] of periods) {
      for (const key of INDICATORS) {
        const el = page.locator(`[data-period="${period}"] [data-indicator="${key}"] [data-key="now"]`);
        await el.waitFor({ timeout: 15_000 });
        const shown = await el.getAttribute('data-value');
        const api = report.total.indicators[key]!;
        if (api.value === null) {
          // Metered only since the test started: no period has data, and the card says so instead of 0.
          expect(shown).toBe('');
          expect(await el.getAttribute('data-reason')).toBe(api.reason);
          expect(await el.textContent()).toMatch(/^(无数据|数据不完整)/);
        } else expect(Number(shown)).toBeCloseTo(api.value, 9);
      }
    }
    const rate = (k: string) => page.locator(`[data-coverage="${k}"]`).getAttribute('data-value', { timeout: 15_000 });
    expect(Number(await rate('zone'))).toBeCloseTo(cov.zone.rate.value!, 9);
    expect(Number(await rate('facility'))).toBeCloseTo(cov.facility.rate.value!, 9);
    // No meter serves the central air conditioning: its point shows as missing.
    await expect.poll(() => page.locator('[data-point^="facility:central_ac"]').first().getAttribute('data-status')).toBe('missing');
    await expect.poll(() => page.locator('[data-point="zone:business/electricity"]').getAttribute('data-status')).toBe('live');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-report-zh.png'), fullPage: true });

    await page.locator('#lang').click();
    await expect.poll(() => page.locator('[data-period="year"] [data-indicator="kgce_per_m2"] h3').textContent()).toBe('Energy per floor area');
    await expect.poll(() => page.locator('[data-period="year"] .period-label').textContent()).toMatch(new RegExp(`^Last full year: ${year - 1}`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-report-en.png'), fullPage: true });
    await page.close();
  });
});
