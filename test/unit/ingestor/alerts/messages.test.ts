import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../../core/api-alerts.ts';
import { AlertsConfigSchema, WebhookSchema } from '../../../../ingestor/alerts/config.ts';
import { buildRequest, dingtalkSign, localTime, signBody } from '../../../../ingestor/alerts/messages.ts';

const ALERT: Alert = {
  id: 7, rule: 'leak', site: 'demo', building: 'main', subject: 'main-water', subject_kind: 'meter', state: 'firing',
  since: Date.parse('2026-03-04T01:00:00+08:00'), fired_at: Date.parse('2026-03-04T06:00:00+08:00'), resolved_at: null,
  value: 0.6, threshold: 0.4, unit: 'm3/h', detail: 'night of 2026-03-04: 5 h in a row above 0.4 m³/h', ack: null,
};
const ctx = { now: 1_700_000_000_000, delivery: 'd-1', offsetHours: 8 };

describe('webhook messages', () => {
  it('generic: JSON with the alert, signed with HMAC-SHA256 over the exact body', () => {
    const ch = WebhookSchema.parse({ type: 'generic', id: 'ops', url: 'http://127.0.0.1:1/hook', secret: 'a-secret-of-16-chars' });
    const req = buildRequest(ch, 'firing', ALERT, ctx);
    expect(JSON.parse(req.body)).toEqual({ source: 'zonemeter', event: 'firing', sent_at: ctx.now, delivery: 'd-1', alert: ALERT });
    expect(req.headers['X-Zonemeter-Signature']).toBe(`sha256=${createHmac('sha256', 'a-secret-of-16-chars').update(req.body).digest('hex')}`);
    expect(signBody('k', 'body')).toBe('sha256=' + createHmac('sha256', 'k').update('body').digest('hex'));
  });

  it('WeCom: markdown content in Chinese by default, with what to check', () => {
    const ch = WebhookSchema.parse({ type: 'wecom', id: 'wx', url: 'http://127.0.0.1:1/cgi-bin/webhook/send?key=k' });
    const body = JSON.parse(buildRequest(ch, 'firing', ALERT, ctx).body) as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toMatch(/^\*\*告警: 夜间持续用水（疑似漏水）\*\*/);
    expect(body.markdown.content).toContain('> 开始: 2026-03-04 01:00 (UTC+8)');
    expect(body.markdown.content).toContain('建议');
    expect(localTime(ALERT.since, 8)).toBe('2026-03-04 01:00 (UTC+8)');
  });

  it('DingTalk: markdown title and text; with a secret, timestamp and sign on the URL', () => {
    const secret = 'SEC0123456789abcdef';
    const ch = WebhookSchema.parse({ type: 'dingtalk', id: 'dd', url: 'http://127.0.0.1:1/robot/send?access_token=t', secret, language: 'en' });
    const req = buildRequest(ch, 'resolved', { ...ALERT, state: 'resolved', resolved_at: ALERT.fired_at + 3_600_000 }, ctx);
    const body = JSON.parse(req.body) as { msgtype: string; markdown: { title: string; text: string } };
    expect(body).toMatchObject({ msgtype: 'markdown', markdown: { title: 'Resolved: Water flowing at night (possible leak)' } });
    expect(body.markdown.text).toContain('> Resolved: 2026-03-04 07:00 (UTC+8)');
    const url = new URL(req.url);
    expect(url.searchParams.get('access_token')).toBe('t');
    expect(url.searchParams.get('timestamp')).toBe(String(ctx.now));
    // The documented recipe: base64(HMAC-SHA256(secret, "timestamp\nsecret")), URL-encoded once.
    const expected = createHmac('sha256', secret).update(`${ctx.now}\n${secret}`).digest('base64');
    expect(url.searchParams.get('sign')).toBe(expected);
    expect(dingtalkSign(secret, ctx.now)).toBe(encodeURIComponent(expected));
    const unsigned = WebhookSchema.parse({ type: 'dingtalk', id: 'dd', url: 'http://127.0.0.1:1/robot/send?access_token=t' });
    expect(buildRequest(unsigned, 'firing', ALERT, ctx).url).toBe('http://127.0.0.1:1/robot/send?access_token=t');
  });

  it('webhook config: each problem named by its field', () => {
    const r = AlertsConfigSchema.safeParse({ webhooks: [
      { type: 'generic', id: 'a', url: 'ftp://x', secret: 'short' },
      { type: 'slack', id: 'b', url: 'http://x' },
      { type: 'wecom', id: 'a', url: 'http://127.0.0.1/x', backoffMs: 5000, maxBackoffMs: 100 },
    ] });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(expect.arrayContaining([
      'webhooks.0.url: expected an http:// or https:// URL',
      'webhooks.0.secret: use a secret of at least 16 characters',
      expect.stringMatching(/^webhooks\.1\.type: /),
    ]));
    const r2 = AlertsConfigSchema.safeParse({ webhooks: [{ type: 'wecom', id: 'a', url: 'http://127.0.0.1/x' }, { type: 'wecom', id: 'a', url: 'http://127.0.0.1/x', backoffMs: 5000, maxBackoffMs: 100 }] });
    expect(r2.error!.issues.map((i) => i.path.join('.'))).toEqual(['webhooks.1.id', 'webhooks.1.maxBackoffMs']);
  });
});
