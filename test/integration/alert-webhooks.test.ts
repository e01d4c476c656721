import { createHmac } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../core/api-alerts.ts';
import { WebhookSchema } from '../../ingestor/alerts/config.ts';
import { Notifier } from '../../ingestor/alerts/notify.ts';
import type { Transition } from '../../ingestor/alerts/store.ts';
import { waitFor } from '../support/harness.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const log = pino({ level: 'silent' });
const alert = (id: number): Alert => ({
  id, rule: 'stale', site: 'demo', building: 'main', subject: `m${id}`, subject_kind: 'meter', state: 'firing', since: 1_767_225_600_000,
  fired_at: 1_767_225_600_000, resolved_at: null, value: 20, threshold: 15, unit: 'min', detail: 'last reading 2026-01-01T00:00:00.000Z', ack: null,
});
const firing = (id: number): Transition => ({ event: 'firing', alert: alert(id) });
const SECRET = 'generic-secret-0123456789';

describe('alert webhooks against local HTTP receivers', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });
  const receiver = async (path?: string) => {
    const r = await startReceiver(path);
    open.push(r);
    return r;
  };
  const notifier = (hooks: unknown[]) => {
    const n = new Notifier(hooks.map((h) => WebhookSchema.parse(h)), log, { offsetHours: 8 });
    open.push(n);
    return n;
  };

  it('delivers the generic JSON signed, the WeCom and the DingTalk markdown, each as its receiver expects', async () => {
    const [gen, wx, dd] = [await receiver('/zm'), await receiver('/cgi-bin/webhook/send?key=abc'), await receiver('/robot/send?access_token=tok')];
    const n = notifier([
      { type: 'generic', id: 'ops', url: gen.url, secret: SECRET },
      { type: 'wecom', id: 'wx', url: wx.url },
      { type: 'dingtalk', id: 'dd', url: dd.url, secret: 'SECdingtalk', language: 'en' },
    ]);
    n.notify([firing(1)]);
    await waitFor(() => (gen.received.length && wx.received.length && dd.received.length ? true : undefined));

    const g = gen.received[0]!;
    expect(g.headers['content-type']).toBe('application/json; charset=utf-8');
    // What a receiver does: recompute the HMAC over the raw body and compare.
    expect(g.headers['x-zonemeter-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(g.body).digest('hex')}`);
    expect(JSON.parse(g.body)).toMatchObject({ source: 'zonemeter', event: 'firing', alert: alert(1) });

    const w = JSON.parse(wx.received[0]!.body) as { msgtype: string; markdown: { content: string } };
    expect(wx.received[0]!.url).toBe('/cgi-bin/webhook/send?key=abc');
    expect(w.msgtype).toBe('markdown');
    expect(w.markdown.content).toContain('表计无数据');

    const u = new URL(dd.received[0]!.url, 'http://x');
    const ts = u.searchParams.get('timestamp')!;
    expect(Math.abs(Number(ts) - Date.now())).toBeLessThan(60_000);
    expect(u.searchParams.get('sign')).toBe(createHmac('sha256', 'SECdingtalk').update(`${ts}\nSECdingtalk`).digest('base64'));
    const d = JSON.parse(dd.received[0]!.body) as { msgtype: string; markdown: { title: string; text: string } };
    expect(d).toMatchObject({ msgtype: 'markdown', markdown: { title: 'Alert: Meter silent' } });
    expect(n.counters().map((c) => c.counters.sent)).toEqual([1, 1, 1]);
  });

  it('retries with backoff while the receiver fails (HTTP 500, then a robot errcode), then delivers once', async () => {
    const rx = await receiver('/robot/send?access_token=t');
    rx.answer = (_r, i) => (i === 1 ? { status: 500, body: 'boom' } : i === 2 ? { status: 200, body: '{"errcode":130101,"errmsg":"send too fast"}' } : { status: 200 });
    const n = notifier([{ type: 'dingtalk', id: 'dd', url: rx.url, backoffMs: 50 }]);
    n.notify([firing(1)]);
    await waitFor(() => (n.counters()[0]!.counters.sent === 1 ? true : undefined));
    expect(rx.received).toHaveLength(3);
    expect(rx.received[2]!.at - rx.received[1]!.at).toBeGreaterThanOrEqual(90);
    expect(n.counters()[0]!.counters).toMatchObject({ sent: 1, retries: 2, failed: 0 });
  });

  it('gives a message up after maxAttempts and goes on with the next', async () => {
    const rx = await receiver();
    rx.answer = (r) => (JSON.parse(r.body).alert.id === 1 ? { status: 503 } : { status: 204 });
    const n = notifier([{ type: 'generic', id: 'g', url: rx.url, secret: SECRET, maxAttempts: 3, backoffMs: 10 }]);
    n.notify([firing(1), firing(2)]);
    await waitFor(() => (n.counters()[0]!.counters.sent === 1 ? true : undefined));
    expect(n.counters()[0]!.counters).toMatchObject({ sent: 1, failed: 1, retries: 2 });
    // The same delivery id on every attempt, so a receiver can drop repeats.
    const ids = rx.received.filter((r) => JSON.parse(r.body).alert.id === 1).map((r) => r.headers['x-zonemeter-delivery']);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
  });

  it('never blocks on a hanging receiver: a flood is queued in bounded memory, oldest dropped and counted', async () => {
    const slow: WebhookReceiver = await receiver();
    slow.answer = () => 'hang';
    const fast = await receiver();
    const n = notifier([
      { type: 'generic', id: 'slow', url: slow.url, secret: SECRET, timeoutMs: 60_000, maxQueue: 100 },
      { type: 'generic', id: 'fast', url: fast.url, secret: SECRET, maxQueue: 100_000 },
    ]);
    const started = performance.now();
    for (let i = 1; i <= 20_000; i++) n.notify([firing(i)]);
    // 20,000 transitions handed over without waiting on either receiver.
    expect(performance.now() - started).toBeLessThan(2000);
    const slowCounters = n.counters()[0]!.counters;
    // At most 100 kept (the one in flight among them): the rest dropped, oldest first.
    expect(slowCounters.queued).toBe(100);
    expect(slowCounters.dropped).toBe(20_000 - 100);
    await waitFor(() => (slow.received.length === 1 ? true : undefined));
    // The other receiver is not held up by the hanging one.
    await waitFor(() => (fast.received.length >= 200 ? true : undefined));
  });
});
