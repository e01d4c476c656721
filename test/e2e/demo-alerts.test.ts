import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import type { Alert } from '../../core/api-alerts.ts';
import { launchChromium } from '../support/browser.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';
import { killAllZm, spawnZm } from '../support/processes.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

// `zonemeter demo` as a user runs it (no backfill, to be quick): the demo site's scheduled
// register glitch on the annex lifts' meter becomes a live alert, seen on the dashboard and
// delivered, signed, to a webhook receiver this test starts.
const SECRET = 'demo-webhook-secret-0123';

describe('zonemeter demo raises a live alert from its scheduled faults', () => {
  const tmp = tempDir('zm-demo-alerts-');
  let rx: WebhookReceiver | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  afterAll(async () => {
    await chromium?.close();
    await killAllZm();
    await rx?.close();
    tmp.remove();
  });

  it('fires the counter alert on the annex lifts\' meter: on the dashboard and through the webhook', async () => {
    rx = await startReceiver('/zonemeter');
    const [http, mqtt, gw] = [await freePort(), await freePort(), await freePort()];
    const demo = spawnZm(['demo', '--var', tmp.dir, '--dashboard', inject('dashboardDir')], {
      ZM_HTTP_PORT: String(http), ZM_MQTT_PORT: String(mqtt), ZM_GATEWAY_HTTP: `127.0.0.1:${gw}`,
      INFLUX_URL: inject('influxUrl'), INFLUX_DB: uniqueDb('demoalerts'), ZM_DEMO_BACKFILL_FROM: 'none', ZM_LANG: 'en', ZM_LOG_LEVEL: 'warn',
      ZM_ALERT_WEBHOOK_URL: rx.url, ZM_ALERT_WEBHOOK_SECRET: SECRET,
    });
    const out = () => demo.other.join('\n');
    const url = await waitFor(() => /Dashboard: (http:\/\/\S+?)\/?$/m.exec(out())?.[1], { timeoutMs: 30_000, what: `the dashboard URL:\n${out()}` });

    // The glitch starts 30 s after start; readings every 5 s, alerts judged every 10 s.
    const alert = await waitFor(async () => {
      const body = (await (await fetch(`${url}/api/v1/alerts?site=demo&rule=counter&state=firing`)).json()) as { alerts: Alert[] };
      return body.alerts.find((a) => a.subject === 'annex-power');
    }, { timeoutMs: 90_000, intervalMs: 1000, what: `the counter alert:\n${out()}` });
    expect(alert).toMatchObject({ site: 'demo', building: 'annex', subject_kind: 'meter' });
    // The register reads the glitch value as its float format holds it (99,999,999 → 1e8).
    expect(alert.value).toBeGreaterThan(9e7);

    const hook = await waitFor(() => rx!.received.find((r) => JSON.parse(r.body).alert?.subject === 'annex-power'), { timeoutMs: 30_000, what: 'the webhook' });
    expect(hook.headers['x-zonemeter-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`);
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'firing', alert: { id: alert.id, rule: 'counter', subject: 'annex-power' } });

    chromium = await launchChromium();
    const page = await chromium.browser.newPage();
    await page.goto(`${url}/`);
    const row = page.locator(`#alerts-body tr[data-alert="${alert.id}"]`);
    await row.waitFor({ state: 'attached', timeout: 20_000 });
    expect(await row.getAttribute('data-rule')).toBe('counter');
    expect(await row.locator('td').nth(1).textContent()).toContain('annex-power');
    expect(await row.locator('[data-advice]').textContent()).toContain('核对表计是否更换或复位');
    await page.close();

    await demo.stop('SIGINT');
    expect((await demo.exited).code).toBe(0);
  }, 150_000);
});
