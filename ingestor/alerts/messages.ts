import { createHmac } from 'node:crypto';
import { ALERT_TEXT } from '../../core/alert-rules.ts';
import type { Alert } from '../../core/api-alerts.ts';
import type { WebhookConfig } from './config.ts';

export type AlertEvent = 'firing' | 'resolved' | 'acknowledged';

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const EVENT_TEXT: Record<AlertEvent, { zh: string; en: string }> = {
  firing: { zh: '告警', en: 'Alert' },
  resolved: { zh: '已恢复', en: 'Resolved' },
  acknowledged: { zh: '已确认', en: 'Acknowledged' },
};

/** A local time, as the site reads it: 2026-03-02 01:30 (UTC+8). */
export function localTime(ms: number, offsetHours: number): string {
  const s = new Date(ms + offsetHours * 3_600_000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} (UTC${offsetHours >= 0 ? '+' : ''}${offsetHours})`;
}

/** The markdown both robots take: a bold title line, then quoted lines. */
export function markdown(event: AlertEvent, a: Alert, lang: 'zh' | 'en', offsetHours: number): { title: string; text: string } {
  const rule = ALERT_TEXT[a.rule];
  const title = `${EVENT_TEXT[event][lang]}: ${rule.name[lang]}`;
  const zh = lang === 'zh';
  const lines = [
    `**${title}**`,
    `> ${zh ? '站点' : 'Site'}: ${a.site}${a.building ? ` / ${a.building}` : ''}`,
    `> ${zh ? '对象' : 'Subject'}: ${a.subject}`,
    `> ${zh ? '开始' : 'Since'}: ${localTime(a.since, offsetHours)}`,
    ...(event === 'resolved' && a.resolved_at !== null ? [`> ${zh ? '恢复' : 'Resolved'}: ${localTime(a.resolved_at, offsetHours)}`] : []),
    `> ${zh ? '详情' : 'Detail'}: ${a.detail}`,
    ...(event === 'acknowledged' && a.ack ? [`> ${zh ? '确认' : 'Note'}: ${a.ack.note}${a.ack.by ? ` (${a.ack.by})` : ''}`] : []),
    ...(event === 'firing' ? [`> ${zh ? '建议' : 'Check'}: ${rule.advice[lang]}`] : []),
    `> #${a.id} ${a.rule}`,
  ];
  return { title, text: lines.join('\n') };
}

/** The HMAC-SHA256 signature header of the generic webhook: sha256=<hex> over the exact body bytes. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** DingTalk 加签: HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, base64, then URL-encoded. */
export function dingtalkSign(secret: string, timestamp: number): string {
  return encodeURIComponent(createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64'));
}

/** The request one channel sends for one transition. `delivery` stays the same across retries. */
export function buildRequest(ch: WebhookConfig, event: AlertEvent, alert: Alert, ctx: { now: number; delivery: string; offsetHours: number }): OutgoingRequest {
  const json = { 'Content-Type': 'application/json; charset=utf-8' };
  switch (ch.type) {
    case 'generic': {
      const body = JSON.stringify({ source: 'zonemeter', event, sent_at: ctx.now, delivery: ctx.delivery, alert });
      return {
        url: ch.url, body,
        headers: { ...json, 'X-Zonemeter-Event': event, 'X-Zonemeter-Delivery': ctx.delivery, 'X-Zonemeter-Signature': signBody(ch.secret, body) },
      };
    }
    case 'wecom': {
      const m = markdown(event, alert, ch.language, ctx.offsetHours);
      return { url: ch.url, headers: json, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: m.text } }) };
    }
    case 'dingtalk': {
      const m = markdown(event, alert, ch.language, ctx.offsetHours);
      let url = ch.url;
      if (ch.secret) url += `${url.includes('?') ? '&' : '?'}timestamp=${ctx.now}&sign=${dingtalkSign(ch.secret, ctx.now)}`;
      return { url, headers: json, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: m.title, text: m.text } }) };
    }
  }
}
