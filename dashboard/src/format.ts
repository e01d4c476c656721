import type { Lang } from './i18n.ts';

const locale = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en-GB');

/** Three significant-ish digits: enough for a glance, the exact figure stays in data-value. */
export function num(value: number | null | undefined, lang: Lang, digits?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const d = digits ?? (abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3);
  return value.toLocaleString(locale(lang), { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function pct(share: number | null | undefined, lang: Lang, digits = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return `${(share * 100).toLocaleString(locale(lang), { minimumFractionDigits: digits, maximumFractionDigits: digits })}%`;
}

export function time(ts: number, lang: Lang): string {
  return new Date(ts).toLocaleTimeString(locale(lang), { hour12: false });
}

export function dateTime(ts: number, lang: Lang): string {
  return new Date(ts).toLocaleString(locale(lang), { hour12: false });
}

/** "12 s", "3 min", "2 h", "4 d": how long ago, in the unit that reads best. */
export function age(ms: number | null | undefined, lang: Lang): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.max(0, ms / 1000);
  const [v, u] = s < 90 ? [s, 's'] : s < 5400 ? [s / 60, 'min'] : s < 129600 ? [s / 3600, 'h'] : [s / 86400, 'd'];
  const zh: Record<string, string> = { s: '秒', min: '分钟', h: '小时', d: '天' };
  return `${Math.round(v)} ${lang === 'zh' ? zh[u] : u}`;
}

export function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}
