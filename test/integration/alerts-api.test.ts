import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Alert } from '../../core/api-alerts.ts';
import { topics, WIRE_VERSION, type Manifest } from '../../core/index.ts';
import { connectCounterGateway, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, tempDir, uniqueDb, waitFor, type TestIngestor } from '../support/harness.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const REGISTRY = `
institutions:
  - id: bureau
    name: Test bureau
    type: office
    sites:
      - id: campus
        climateZone: cold
        buildings:
          - id: a
            area: [{ from: '2019-01-01', m2: 10000 }]
            zones: [{ zone: administrative }]
            supplies: [electricity]
            alerts:
              meters:
                a-sub: { counter: { windowMin: 600 } }
`;
const TOKEN = 'alerts-token-0123456789';
const SECRET = 'alerts-webhook-secret-01';
type Spec = Manifest['meters'][number];
const spec = (id: string, extra: Partial<Spec> = {}): Spec => ({
  id, building: 'a', kind: 'electricity', model: 'generic', zone: 'administrative', end_use: 'total', role: 'sub', multiplier: 1, ...extra,
});

describe('alerts through the API, the metrics and a webhook', () => {
  const tmp = tempDir('zm-alerts-api-');
  const dataDir = path.join(tmp.dir, 'data');
  const database = uniqueDb('alerts');
  let ing: TestIngestor;
  let gw: CounterGateway;
  let rx: WebhookReceiver;
  const start = () => startTestIngestor({
    gateways: [['campus', 'gw-1']],
    config: {
      registry: path.join(tmp.dir, 'registry.yaml'), dataDir, http: { host: '127.0.0.1', port: 0, token: TOKEN },
      influx: { url: inject('influxUrl'), database, flushMs: 10 },
      alerts: { webhooks: [{ type: 'generic', id: 'ops', url: rx.url, secret: SECRET, events: ['firing', 'resolved', 'acknowledged'] }] },
    },
  });

  beforeAll(async () => {
    writeFileSync(path.join(tmp.dir, 'registry.yaml'), REGISTRY);
    rx = await startReceiver();
    ing = await start();
    gw = await connectCounterGateway(ing.mqttUrl, 'campus', 'gw-1', ing.passwords['gw-1']!);
    await gw.manifest([spec('a-main', { role: 'main', max_power_kw: 500 }), spec('a-sub', { parent: 'a-main', max_power_kw: 100 })]);
    // Two hours of readings every 15 minutes up to a minute ago; a-sub's register reads garbage once.
    const last = Date.now() - 60_000;
    const readings = Array.from({ length: 9 }, (_, i) => last - (8 - i) * 900_000).flatMap((ts, i) => [
      { meter: 'a-main', ts, values: { energy_import_kwh: 1000 + i * 20 } },
      { meter: 'a-sub', ts, values: { energy_import_kwh: i === 5 ? 99_999_999 : 500 + i * 10 } },
    ]);
    expect((await gw.send(readings)).status).toBe('ok');
    await ing.ingestor.usage.idle();
  });

  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    await rx?.close();
    tmp.remove();
  });

  const get = async (q = '') => (await (await fetch(`${ing.url}/api/v1/alerts${q}`)).json()) as { alerts: Alert[]; counts: Record<string, number> };
  const ack = (id: number, body: unknown, token: string | null = TOKEN) => fetch(`${ing.url}/api/v1/alerts/${id}/ack`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
  });

  it('fires the counter rule on a refused jump, lists it by filter, and sends it signed', async () => {
    const transitions = await ing.ingestor.alerts.evaluate(Date.now(), { usage: false });
    expect(transitions.map((t) => [t.event, t.alert.rule, t.alert.subject])).toEqual([['firing', 'counter', 'a-sub']]);
    const all = await get();
    expect(all.alerts).toHaveLength(1);
    expect(all.alerts[0]).toMatchObject({ rule: 'counter', site: 'campus', building: 'a', subject: 'a-sub', subject_kind: 'meter', state: 'firing', value: 99_999_999 });
    expect(all.counts).toEqual({ firing: 1, acknowledged: 0, resolved: 0 });
    expect((await get('?rule=stale')).alerts).toEqual([]);
    expect((await get('?site=elsewhere')).alerts).toEqual([]);
    expect((await get('?state=active')).alerts).toHaveLength(1);
    expect((await get('?state=resolved')).alerts).toEqual([]);
    const bad = await fetch(`${ing.url}/api/v1/alerts?rule=nonsense`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/rule/);

    await waitFor(() => (rx.received.length >= 1 ? true : undefined));
    const r = rx.received[0]!;
    expect(r.headers['x-zonemeter-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`);
    expect(JSON.parse(r.body)).toMatchObject({ event: 'firing', alert: { rule: 'counter', subject: 'a-sub' } });
  });

  it('acknowledges with the token and a note, refuses without either', async () => {
    const [alert] = (await get()).alerts;
    expect((await ack(alert!.id, { note: 'register glitch, meter checked' }, null)).status).toBe(401);
    expect((await ack(alert!.id, { note: 'x' }, 'wrong-token-0123456789')).status).toBe(401);
    const noNote = await ack(alert!.id, { by: 'Li' });
    expect(noNote.status).toBe(400);
    expect(((await noNote.json()) as { message: string }).message).toMatch(/note/);
    expect((await ack(9999, { note: 'x' })).status).toBe(404);
    const ok = await ack(alert!.id, { note: 'register glitch, meter checked', by: 'Li' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: alert!.id, state: 'acknowledged', ack: { note: 'register glitch, meter checked', by: 'Li' } });
    expect((await get('?state=acknowledged')).alerts).toHaveLength(1);
    await waitFor(() => (rx.received.some((r) => JSON.parse(r.body).event === 'acknowledged') ? true : undefined));

    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(metrics).toContain('zm_alerts{rule="counter",state="acknowledged"} 1');
    expect(metrics).toContain('zm_alerts{rule="stale",state="firing"} 0');
    expect(metrics).toMatch(/zm_alert_notifications_total\{webhook="ops",type="generic",outcome="sent"\} 2/);
  });

  it('keeps the alert and its acknowledgement across a restart, without firing it again', async () => {
    await gw.close();
    await ing.close().catch(() => undefined);
    const before = rx.received.length;
    ing = await start();
    gw = await connectCounterGateway(ing.mqttUrl, 'campus', 'gw-1', ing.passwords['gw-1']!);
    const after = await get();
    expect(after.alerts.map((a) => [a.rule, a.subject, a.state, a.ack?.note])).toEqual([['counter', 'a-sub', 'acknowledged', 'register glitch, meter checked']]);
    // The counter event is gone with the old process; the alert resolves once the window shows none.
    const t = await ing.ingestor.alerts.evaluate(Date.now(), { usage: false });
    expect(t.filter((x) => x.event === 'firing')).toEqual([]);
    expect(t.map((x) => x.event)).toEqual(['resolved']);
    await waitFor(() => (rx.received.length === before + 1 ? true : undefined));
    expect(JSON.parse(rx.received.at(-1)!.body)).toMatchObject({ event: 'resolved', alert: { state: 'resolved', ack: { by: 'Li' } } });
  });

  it('fires the backlog rule from a gateway status whose journal holds old records, and resolves it once delivered', async () => {
    const client = await mqtt.connectAsync(ing.mqttUrl, { username: 'gw-1', password: ing.passwords['gw-1']!, clientId: 'gw-1-status', reconnectPeriod: 0 });
    const status = (oldest: number | null) => client.publishAsync(topics.status('campus', 'gw-1'), JSON.stringify({
      v: WIRE_VERSION, site: 'campus', gateway: 'gw-1', ts: Date.now(), state: 'online',
      journal: { records: 1200, bytes: 90_000, oldest_unacked_ms: oldest, dropped_records: 0 }, alarms: [],
    }), { qos: 1, retain: true });
    try {
      await status(45 * 60_000);
      await waitFor(() => (ing.ingestor.directory.allGateways().some((g) => g.status?.journal?.oldest_unacked_ms) ? true : undefined));
      const fired = await ing.ingestor.alerts.evaluate(Date.now(), { usage: false });
      const backlog = fired.filter((t) => t.alert.rule === 'backlog');
      expect(backlog.map((t) => [t.event, t.alert.subject, t.alert.subject_kind])).toEqual([['firing', 'gw-1', 'gateway']]);
      // 45 minutes old when sent, and older by the time since.
      expect(backlog[0]!.alert.value).toBeGreaterThanOrEqual(45);
      expect(backlog[0]!.alert.value).toBeLessThan(46);
      await status(null);
      await waitFor(() => (ing.ingestor.directory.allGateways().some((g) => g.status?.journal?.oldest_unacked_ms === null) ? true : undefined));
      // backlog's default clearMin is 5 minutes: still firing at once, resolved once it has been clear that long.
      const now = Date.now();
      expect((await ing.ingestor.alerts.evaluate(now, { usage: false })).filter((t) => t.alert.rule === 'backlog')).toEqual([]);
      const later = await ing.ingestor.alerts.evaluate(now + 5 * 60_000, { usage: false });
      expect(later.filter((t) => t.alert.rule === 'backlog').map((t) => t.event)).toEqual(['resolved']);
    } finally {
      await client.endAsync();
    }
  });
});
