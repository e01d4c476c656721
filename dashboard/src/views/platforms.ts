import { h } from '../../../web/dom.ts';
import { api, type PlatformInfo } from '../api.ts';
import type { Lang } from '../i18n.ts';

// The panel's own words, so it stays apart from the shared dictionary.
const WORDS = {
  platforms: { zh: '能耗监测平台上报', en: 'Reporting to monitoring platforms' },
  platform: { zh: '平台', en: 'Platform' },
  building: { zh: '建筑', en: 'Building' },
  connection: { zh: '连接', en: 'Connection' },
  connected: { zh: '已连接', en: 'connected' },
  disconnected: { zh: '未连接', en: 'disconnected' },
  authenticated: { zh: '已认证', en: 'authenticated' },
  notAuthenticated: { zh: '未认证', en: 'not authenticated' },
  lastAcked: { zh: '最近确认时段', en: 'Last acknowledged period' },
  backlog: { zh: '待补传时段', en: 'Backlog (periods)' },
  lastError: { zh: '最近错误', en: 'Last error' },
  waiting: { zh: '等待数据', en: 'waiting for data' },
  none: { zh: '无', en: 'none' },
} as const;
const w = (k: keyof typeof WORDS, lang: Lang) => WORDS[k][lang];

let last: PlatformInfo[] | null = null;

const when = (iso: string, lang: Lang) => new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });

function render(el: HTMLElement, list: PlatformInfo[], lang: Lang): void {
  if (list.length === 0) { el.replaceChildren(); return; }
  const rows = list.flatMap((p) => p.buildings.map((b, i) => h('tr', { 'data-platform': p.id, 'data-building': b.building },
    h('td', {}, i === 0 ? h('b', {}, p.id) : '', i === 0 ? h('div', { class: 'muted' }, `${p.dialect} · ${p.host}:${p.port}`) : ''),
    h('td', {}, h('b', {}, b.building), h('div', { class: 'muted' }, b.building_id)),
    h('td', {},
      h('span', { class: `badge ${b.connected ? 'ok' : 'bad'}`, 'data-connected': String(b.connected) }, w(b.connected ? 'connected' : 'disconnected', lang)), ' ',
      h('span', { class: `badge ${b.authenticated ? 'ok' : 'bad'}`, 'data-authenticated': String(b.authenticated) }, w(b.authenticated ? 'authenticated' : 'notAuthenticated', lang))),
    h('td', { 'data-key': 'last_acked_end', 'data-value': b.last_acked_period?.end ?? '' }, b.last_acked_period ? when(b.last_acked_period.end, lang) : '—'),
    h('td', { 'data-key': 'backlog_periods', 'data-value': b.backlog_periods, class: b.backlog_periods > 1 ? 'warn' : '' },
      String(b.backlog_periods), b.waiting_for_data_at ? h('div', { class: 'muted' }, w('waiting', lang)) : ''),
    h('td', { class: b.last_error ? 'warn detail' : 'detail', 'data-key': 'last_error' },
      b.last_error ? `${b.last_error_at ? `${when(b.last_error_at, lang)} ` : ''}${b.last_error}` : w('none', lang)),
  )));
  el.replaceChildren(
    h('h3', {}, w('platforms', lang)),
    h('div', { class: 'scroll platforms' }, h('table', {},
      h('thead', {}, h('tr', {}, ...(['platform', 'building', 'connection', 'lastAcked', 'backlog', 'lastError'] as const).map((k) => h('th', {}, w(k, lang))))),
      h('tbody', {}, ...rows))),
  );
}

/**
 * The platform panel of the device view: drawn from the last answer at once, then refreshed from
 * the API. Nothing is shown while no platform is configured.
 */
export function platformsPanel(lang: Lang): HTMLElement {
  const el = h('section', { id: 'platforms-panel' });
  if (last) render(el, last, lang);
  api.platforms()
    .then((list) => { last = list; render(el, last, lang); })
    .catch((err: unknown) => console.warn('platforms refresh failed', err));
  return el;
}
