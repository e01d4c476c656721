import type { GatewayStatus } from '../../health/status.ts';
import { $, h, type Child } from '../../../web/dom.ts';
import { endUseText, isTextKey, measurement, span, text, zoneText, type Lang, type TextKey } from './i18n.ts';

const badge = (v: string, label: string) => h('span', { class: 'badge', 'data-v': v }, label);
const num = (v: number) => String(Number(v.toPrecision(8)));

/** The error in words (its class), then the message as the driver gave it. */
export function errorWords(cls: string | null | undefined, message: string | null, lang: Lang): string {
  if (!message) return '';
  const key = `err_${cls ?? 'transient'}` as TextKey;
  return `${text(key, lang)}: ${message}`;
}

/** The words for a state the gateway names, or the name itself when there are none. */
function words(key: string, lang: Lang): string {
  return isTextKey(key) ? text(key, lang) : key;
}

function card(title: string, rows: [string, Child][]): HTMLElement {
  return h('div', { class: 'card' }, h('h3', {}, title), h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

export function renderSummary(s: GatewayStatus, lang: Lang): void {
  const j = s.journal;
  const u = s.uplink;
  const trusted = s.clock.trusted !== false;
  $('#summary').replaceChildren(
    card(text('journal', lang), [
      [text('depth', lang), h('span', { id: 'journal-depth' }, String(j.records))],
      [text('oldest', lang), j.oldest_unacked_age_ms === null ? '—' : span(j.oldest_unacked_age_ms, lang)],
      [text('size', lang), `${(j.bytes / 1024).toFixed(1)} KiB`],
      ...(j.alarms.length ? [[text('alarms', lang), j.alarms.join(', ')] as [string, Child]] : []),
    ]),
    card(text('uplink', lang), [
      [text('state', lang), badge(u.state, words(u.state, lang))],
      [text('lastAck', lang), u.lastAckAt === null ? text('never', lang) : `${span(s.clock.now - u.lastAckAt, lang)}${text('ago', lang)}`],
      [text('acked', lang), String(u.readingsAcked)],
      ...(u.lastError ? [[text('lastError', lang), u.lastError] as [string, Child]] : []),
    ]),
    card(text('clock', lang), [
      [text('clock', lang), new Date(s.clock.now).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB')],
      [text('state', lang), badge(trusted ? 'trusted' : 'untrusted', text(trusted ? 'trusted' : 'untrusted', lang))],
      ...(s.clock.source ? [[text('clockSource', lang), words(`source_${s.clock.source}`, lang)] as [string, Child]] : []),
      // The gateway words the reason in English only; shown as it is, for the engineer to quote.
      ...(s.clock.reason ? [[text('reason', lang), s.clock.reason] as [string, Child]] : []),
      ...(s.clock.held ? [[text('held', lang), String(s.clock.held)] as [string, Child]] : []),
    ]),
  );
}

export function renderBuses(s: GatewayStatus, lang: Lang, onScan: (bus: string) => void): void {
  const rows = (s.buses ?? []).map((b) => h('tr', { 'data-bus': b.id },
    h('td', {}, b.id), h('td', {}, b.type), h('td', {}, b.settings),
    h('td', { 'data-utilisation': b.utilisation ?? '' }, b.utilisation === null ? '—'
      : h('span', {}, bar(b.utilisation), `${(b.utilisation * 100).toFixed(1)}%`)),
    h('td', {}, String(b.meters)),
    h('td', {}, b.type === 'mqtt' ? '' : scanButton(b.id, lang, onScan)),
  ));
  $('#buses tbody').replaceChildren(...rows);
}

// Through the CSSOM: the page's CSP refuses inline style attributes.
function bar(share: number): HTMLElement {
  const fill = h('i');
  fill.style.width = `${Math.round(share * 100)}%`;
  return h('span', { class: 'bar' }, fill);
}

function scanButton(bus: string, lang: Lang, onScan: (bus: string) => void): HTMLElement {
  const b = h('button', { type: 'button' }, text('scan', lang));
  b.addEventListener('click', () => onScan(bus));
  return b;
}

export function renderMeters(s: GatewayStatus, lang: Lang, onRead: (meter: string) => void): void {
  const rows = s.meters.map((m) => {
    const cond = m.condition ?? 'waiting';
    const values = Object.entries(m.values ?? {}).map(([k, v]) => {
      const d = measurement(k, lang);
      return h('span', { 'data-key': k, 'data-value': v, title: d.label }, `${d.label} ${num(v)} ${d.unit}`);
    });
    const read = h('button', { type: 'button' }, text('read', lang));
    read.addEventListener('click', () => onRead(m.id));
    return h('tr', { 'data-meter': m.id, 'data-condition': cond },
      h('td', {}, m.name ? `${m.id} · ${m.name}` : m.id), h('td', {}, m.bus), h('td', {}, m.model ?? ''), h('td', {}, m.address === null || m.address === undefined ? '' : String(m.address)),
      h('td', {}, m.zone ? zoneText(m.zone, lang) : ''), h('td', {}, m.end_use ? endUseText(m.end_use, lang) : ''),
      h('td', { class: 'condition' }, badge(cond, text(cond as TextKey, lang) ?? cond)),
      h('td', { class: 'values' }, ...values),
      h('td', {}, m.age_ms === null || m.age_ms === undefined ? '—' : span(m.age_ms, lang)),
      h('td', { class: 'counts', 'data-reads': m.reads }, `${m.errors}/${m.reads}`),
      h('td', { class: 'error' }, [errorWords(m.last_error_class, m.last_error, lang), m.alarms?.length ? `${text('alarms', lang)}: ${m.alarms.join(', ')}` : ''].filter(Boolean).join(' · ')),
      h('td', {}, m.bus && (s.buses ?? []).find((b) => b.id === m.bus)?.type !== 'mqtt' ? read : ''),
    );
  });
  $('#meters tbody').replaceChildren(...rows);
}
