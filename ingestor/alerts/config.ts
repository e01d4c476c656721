import { z } from 'zod';
import { Id } from '../../core/index.ts';
import { ALERT_RULES } from '../../core/alert-rules.ts';

const HttpUrl = z.string().url('expected an http:// or https:// URL').refine((u) => /^https?:\/\//.test(u), 'expected an http:// or https:// URL');

const channel = {
  id: Id,
  url: HttpUrl,
  /** Which transitions to send. */
  events: z.array(z.enum(['firing', 'resolved', 'acknowledged'])).min(1).default(['firing', 'resolved']),
  /** Only these rules (default: all). */
  rules: z.array(z.enum(ALERT_RULES)).min(1).optional(),
  /** Only alerts of these sites (default: all). */
  sites: z.array(Id).min(1).optional(),
  /** Language of the message text (robots); the generic JSON carries both rule texts' ids. */
  language: z.enum(['zh', 'en']).default('zh'),
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  /** Attempts per message before it is given up (counted in zm_alert_notifications_total{outcome="failed"}). */
  maxAttempts: z.number().int().min(1).max(20).default(5),
  /** First retry after this, doubling up to maxBackoffMs. */
  backoffMs: z.number().int().min(10).max(600_000).default(1000),
  maxBackoffMs: z.number().int().min(10).max(3_600_000).default(60_000),
  /** Messages waiting for this receiver; beyond it the oldest waiting is dropped and counted. */
  maxQueue: z.number().int().min(1).max(100_000).default(1000),
};

export const WebhookSchema = z.discriminatedUnion('type', [
  // JSON, signed: X-Zonemeter-Signature: sha256=<hex HMAC-SHA256 of the body with `secret`>.
  z.object({ type: z.literal('generic'), ...channel, secret: z.string().min(16, 'use a secret of at least 16 characters') }),
  // 企业微信 group robot: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
  z.object({ type: z.literal('wecom'), ...channel }),
  // 钉钉 group robot: https://oapi.dingtalk.com/robot/send?access_token=…, with its optional 加签 secret (SEC…).
  z.object({ type: z.literal('dingtalk'), ...channel, secret: z.string().min(1).optional() }),
], { error: (iss) => (iss.code === 'invalid_union' ? 'type must be one of generic, wecom, dingtalk' : undefined) });
export type WebhookConfig = z.infer<typeof WebhookSchema>;

export const AlertsConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** Stale meters, counter events and gateway backlogs are judged this often. */
  evaluateEverySeconds: z.number().min(1).max(3600).default(60),
  /** The rules on derived usage (night, leak, weekend, balance, completeness, trajectory) this often. */
  usageEveryMinutes: z.number().min(1).max(24 * 60).default(15),
  /** Alerts kept (resolved ones age out first). */
  maxAlerts: z.number().int().min(10).max(1_000_000).default(2000),
  webhooks: z.array(WebhookSchema).default([]),
}).superRefine((a, ctx) => {
  const seen = new Set<string>();
  a.webhooks.forEach((w, i) => {
    if (seen.has(w.id)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'id'], message: `duplicate webhook id "${w.id}"` });
    seen.add(w.id);
    if (w.maxBackoffMs < w.backoffMs) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'maxBackoffMs'], message: 'must not be below backoffMs' });
  });
});
export type AlertsConfig = z.infer<typeof AlertsConfigSchema>;
