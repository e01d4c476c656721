import { ALERT_TEXT } from '../../../core/alert-rules.ts';
import { h } from '../../../web/dom.ts';
import type { AlertInfo } from '../api.ts';
import { dateTime, num } from '../format.ts';
import { text, type Lang } from '../i18n.ts';

export interface AlertActions {
  /** The API token the user entered, or null: read-only. */
  token: string | null;
  setToken(token: string | null): void;
  ack(id: number, note: string): void;
  /** A message to show above the list (a refused token, a failed acknowledgement). */
  message: string | null;
}

/** The figure the rule judged against its threshold, where it has one; never a number without data. */
function figure(a: AlertInfo, lang: Lang): string {
  if (a.value === null) return '';
  const share = a.unit === '1';
  const f = (v: number) => (share ? `${num(v * 100, lang, 0)}%` : `${num(v, lang)} ${a.unit}`);
  return a.threshold === null ? f(a.value) : `${f(a.value)} / ${f(a.threshold)}`;
}

function row(a: AlertInfo, lang: Lang, act: AlertActions): HTMLElement {
  const t = ALERT_TEXT[a.rule];
  const note = h('input', { type: 'text', 'data-ack-note': a.id, placeholder: text('ackNote', lang), maxlength: 1000 });
  const action = a.ack
    ? h('div', { class: 'muted', 'data-acked': a.id }, `${text('acknowledgedBy', lang)} ${dateTime(a.ack.at, lang)}: ${a.ack.note}${a.ack.by ? ` (${a.ack.by})` : ''}`)
    : act.token
      ? h('div', { class: 'ack' }, note, h('button', { type: 'button', 'data-ack': a.id }, text('acknowledge', lang)))
      : null;
  const button = action?.querySelector('button');
  button?.addEventListener('click', () => act.ack(a.id, note.value.trim()));
  return h('tr', { 'data-alert': a.id, 'data-rule': a.rule, 'data-state': a.state, class: a.state === 'firing' ? 'firing' : '' },
    h('td', {}, h('b', {}, t.name[lang]), h('div', { class: 'muted' }, h('code', {}, a.rule))),
    h('td', {}, h('b', {}, a.subject), h('div', { class: 'muted' }, [a.site, a.building].filter(Boolean).join(' / '))),
    h('td', { 'data-since': a.since }, dateTime(a.since, lang)),
    h('td', { class: 'detail' }, h('div', {}, figure(a, lang)), h('div', { class: 'muted' }, a.detail)),
    h('td', { 'data-advice': a.rule }, t.advice[lang]),
    h('td', {}, action),
  );
}

function tokenForm(lang: Lang, act: AlertActions): HTMLElement {
  if (act.token) {
    const forget = h('button', { type: 'button', class: 'link', 'data-forget-token': '' }, text('forgetToken', lang));
    forget.addEventListener('click', () => act.setToken(null));
    return h('div', { class: 'token' }, forget);
  }
  const input = h('input', { type: 'password', 'data-token': '', placeholder: text('apiToken', lang), autocomplete: 'off' });
  const save = h('button', { type: 'button', 'data-save-token': '' }, text('saveToken', lang));
  save.addEventListener('click', () => { if (input.value.trim()) act.setToken(input.value.trim()); });
  return h('div', { class: 'token' }, h('span', { class: 'muted', 'data-read-only': '' }, text('readOnly', lang)), ' ', input, ' ', save);
}

export function renderAlerts(root: HTMLElement, alerts: AlertInfo[], lang: Lang, act: AlertActions): void {
  const t = (k: Parameters<typeof text>[0]) => text(k, lang);
  root.replaceChildren(
    tokenForm(lang, act),
    ...(act.message ? [h('p', { class: 'warn', 'data-alert-message': '' }, act.message)] : []),
    alerts.length
      ? h('div', { class: 'scroll alerts' }, h('table', {},
        h('thead', {}, h('tr', {}, ...[t('rule'), t('subject'), t('since'), t('detail'), t('whatToCheck'), ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, ...alerts.map((a) => row(a, lang, act)))))
      : h('p', { class: 'muted', 'data-alerts-empty': '' }, t('noAlerts')),
  );
}
