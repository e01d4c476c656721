import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformSimulator } from '../../simulators/platform/index.ts';
import { launchChromium, startDashboardIngestor, type DashboardIngestor } from '../support/browser.ts';
import { waitFor } from '../support/harness.ts';

// The device view's platform panel against a real ingestor reporting to the reference platform:
// connected and authenticated while it is up, the error and the backlog once it is down.
const KEY = '8899aabbccddeeff0011223344556677';
const IV = '0011223344556677' + '8899aabbccddeeff';

describe('the platform panel of the device view', () => {
  let platform: PlatformSimulator;
  let dash: DashboardIngestor;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    platform = new PlatformSimulator({ port: 0, secret: 's3cret', key: Buffer.from(KEY, 'hex'), iv: Buffer.from(IV, 'hex') });
    await platform.up();
    dash = await startDashboardIngestor({
      gateways: [['hq', 'gw-1']],
      config: {
        platforms: [{
          id: 'city', host: '127.0.0.1', port: platform.port, key: KEY, iv: IV, secret: 's3cret', heartbeatS: 1, ackTimeoutS: 2,
          from: new Date(Date.now() - 2 * 3_600_000).toISOString(), retry: { minMs: 100, maxMs: 300 },
          buildings: [{ site: 'hq', building: 'tower', buildingId: '110101A001', gatewayId: '01' }],
        }],
      },
    });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    await dash?.close();
    await platform?.close();
  });

  it('shows connection, authentication, backlog and the last error, in Chinese and in English', async () => {
    await waitFor(() => (platform.counters.authenticated > 0 ? true : undefined), { what: 'the ingestor to authenticate' });
    const page = await chromium.browser.newPage();
    await page.goto(`${dash.url}/`);
    const row = page.locator('#platforms-panel tr[data-platform="city"][data-building="tower"]');
    await row.waitFor({ state: 'attached', timeout: 15_000 });
    expect(await page.locator('#platforms-panel h3').textContent()).toBe('能耗监测平台上报');
    expect(await row.locator('[data-connected]').getAttribute('data-connected')).toBe('true');
    expect(await row.locator('[data-authenticated]').textContent()).toBe('已认证');
    // No gateway has declared the tower's meters: its periods wait, and the backlog shows it.
    expect(Number(await row.locator('[data-key="backlog_periods"]').getAttribute('data-value'))).toBeGreaterThanOrEqual(1);

    await page.locator('#lang').click();
    await page.waitForFunction(() => document.querySelector('#platforms-panel h3')?.textContent === 'Reporting to monitoring platforms', undefined, { timeout: 15_000 });

    await platform.down();
    await waitFor(async () => {
      const p = await (await fetch(`${dash.url}/api/v1/platforms`)).json() as { platforms: { connected: boolean; last_error: string | null }[] };
      return !p.platforms[0]!.connected && p.platforms[0]!.last_error ? true : undefined;
    }, { what: 'the reporter to notice' });
    await page.reload();
    const after = page.locator('#platforms-panel tr[data-platform="city"]');
    await after.waitFor({ state: 'attached', timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('#platforms-panel [data-connected]')?.getAttribute('data-connected') === 'false', undefined, { timeout: 15_000 });
    expect(await after.locator('[data-key="last_error"]').textContent()).toMatch(/cannot connect|closed/);
    await page.close();
  }, 60_000);
});
