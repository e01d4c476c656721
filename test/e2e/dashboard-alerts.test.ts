import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../core/api-alerts.ts';
import type { Manifest } from '../../core/index.ts';
import { launchChromium, startDashboardIngestor, type DashboardIngestor } from '../support/browser.ts';
import { connectCounterGateway, type CounterGateway } from '../support/counter-gateway.ts';

// The alert list of the dashboard against a real ingestor: a counter jump fires an alert, the page
// lists it with its rule, subject, since and what to check in Chinese and English, read-only until
// an API token is entered, and acknowledges it with a note once one is.
const TOKEN = 'dashboard-alerts-token-01';
type Spec = Manifest['meters'][number];
const spec = (id: string, extra: Partial<Spec> = {}): Spec => ({
  id, building: 'tower', kind: 'electricity', model: 'generic', zone: 'administrative', end_use: 'total', role: 'sub', multiplier: 1, ...extra,
});

describe('the alert list of the dashboard', () => {
  let dash: DashboardIngestor;
  let gw: CounterGateway;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    dash = await startDashboardIngestor({ gateways: [['hq', 'gw-1']], config: { http: { host: '127.0.0.1', port: 0, token: TOKEN } } });
    gw = await connectCounterGateway(`mqtt://127.0.0.1:${dash.ingestor.broker!.port}`, 'hq', 'gw-1', dash.ing.passwords['gw-1']!);
    await gw.manifest([spec('main', { role: 'main', max_power_kw: 200 })]);
    const last = Date.now() - 30_000;
    const readings = Array.from({ length: 6 }, (_, i) => ({ meter: 'main', ts: last - (5 - i) * 600_000, values: { energy_import_kwh: i === 3 ? 88_888_888 : 100 + i * 10 } }));
    expect((await gw.send(readings)).status).toBe('ok');
    await dash.ingestor.usage.idle();
    const fired = await dash.ingestor.alerts.evaluate(Date.now(), { usage: false });
    expect(fired.map((t) => t.alert.rule)).toEqual(['counter']);
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
    await dash?.close();
  });

  it('lists the active alert with what to check, read-only without a token, and acknowledges it with one', async () => {
    const page = await chromium.browser.newPage();
    await page.goto(`${dash.url}/`);
    const row = page.locator('#alerts-body tr[data-rule="counter"]');
    await row.waitFor({ state: 'attached', timeout: 15_000 });
    expect(await page.locator('#alerts h2').textContent()).toBe('当前告警');
    expect(await row.locator('td').first().textContent()).toContain('读数异常跳变');
    expect(await row.locator('td').nth(1).textContent()).toContain('main');
    expect(await row.locator('[data-advice]').textContent()).toContain('核对表计是否更换或复位');
    expect(Number(await row.locator('[data-since]').getAttribute('data-since'))).toBeGreaterThan(Date.now() - 3_600_000);
    // Read-only: no acknowledge button until a token is entered.
    expect(await page.locator('[data-read-only]').count()).toBe(1);
    expect(await row.locator('button[data-ack]').count()).toBe(0);

    await page.locator('#lang').click();
    await page.waitForFunction(() => document.querySelector('#alerts h2')?.textContent === 'Active alerts', undefined, { timeout: 15_000 });
    expect(await row.locator('td').first().textContent()).toContain('Counter jumped or went back');
    expect(await row.locator('[data-advice]').textContent()).toContain('Check whether the meter was swapped or reset');

    // A wrong token is refused and forgotten; the right one acknowledges.
    await page.locator('[data-token]').fill('not-the-token-0000000');
    await page.locator('[data-save-token]').click();
    await row.locator('[data-ack-note]').fill('checked');
    await row.locator('button[data-ack]').click();
    await page.locator('[data-alert-message]').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-alert-message]').textContent()).toBe('Token refused; cleared');
    await page.locator('[data-token]').fill(TOKEN);
    await page.locator('[data-save-token]').click();
    await row.locator('[data-ack-note]').fill('register glitch; meter checked on site');
    await row.locator('button[data-ack]').click();
    await row.locator('[data-acked]').waitFor({ timeout: 15_000 });
    expect(await row.locator('[data-acked]').textContent()).toContain('register glitch; meter checked on site');
    const api = await (await fetch(`${dash.url}/api/v1/alerts`)).json() as { alerts: Alert[] };
    expect(api.alerts[0]).toMatchObject({ state: 'acknowledged', ack: { note: 'register glitch; meter checked on site' } });
    await page.close();
  }, 60_000);
});
