import { h } from '../../../web/dom.ts';
import type { CoverageReport } from '../api.ts';
import { num, pct } from '../format.ts';
import { facilityName, kindName, text, zoneName, type Lang, type TextKey } from '../i18n.ts';

type Building = CoverageReport['buildings'][number];
type Point = Building['points'][number];

const STATUS_TEXT: Record<Point['status'], TextKey> = { live: 'pointLive', silent: 'pointSilent', missing: 'pointMissing' };

function rate(label: string, key: string, r: CoverageReport['zone'], lang: Lang): HTMLElement {
  return h('div', { 'data-coverage': key, 'data-value': r.rate.value ?? '', 'data-live-value': r.liveRate.value ?? '' },
    h('div', { class: 'muted' }, label),
    h('div', { class: `big${r.rate.value !== null && r.rate.value < 1 ? ' warn' : ''}` }, pct(r.rate.value, lang)),
    h('div', { class: 'muted' }, `${r.equipped}/${r.required} · ${text('liveRate', lang)} ${pct(r.liveRate.value, lang)}`));
}

/** Rows are the building's zones and facilities, columns the kinds (or kind alternatives) they need. */
function matrix(b: Building, lang: Lang): HTMLElement {
  const colKey = (p: Point) => p.kinds.join('|');
  const cols = [...new Set(b.points.map(colKey))];
  const rowKey = (p: Point) => (p.group === 'zone' ? `zone:${p.zone}` : `facility:${p.facility}`);
  const rows = [...new Set(b.points.map(rowKey))];
  const cell = (row: string, col: string) => {
    const p = b.points.find((x) => rowKey(x) === row && colKey(x) === col);
    if (!p) return h('td', { class: 'cell' });
    const label = p.status === 'live' ? `✓ ${p.live.length}` : text(STATUS_TEXT[p.status], lang);
    return h('td', { class: 'cell', 'data-point': `${row}/${col}`, 'data-status': p.status, title: p.reason ?? p.meters.join(', ') },
      label, p.required ? null : h('div', { class: 'muted' }, text('notRequired', lang)));
  };
  const rowLabel = (row: string) => {
    const [group, key] = row.split(':') as [string, string];
    return group === 'zone' ? zoneName(key, lang) : facilityName(key, lang);
  };
  return h('div', { class: 'scroll' }, h('table', { class: 'matrix', 'data-building': b.building },
    h('thead', {}, h('tr', {}, h('th', {}, b.name ?? b.building), ...cols.map((c) => h('th', {}, c.split('|').map((k) => kindName(k, lang)).join(' / '))))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, h('td', {}, rowLabel(r)), ...cols.map((c) => cell(r, c)))))));
}

function missing(b: Building, lang: Lang): HTMLElement | null {
  if (!b.missing.length) return null;
  return h('ul', { class: 'missing' }, ...b.missing.map((m) => h('li', { 'data-status': m.status },
    `${m.zone ? zoneName(m.zone, lang) : facilityName(m.facility ?? '', lang)} · ${m.kinds.map((k) => kindName(k, lang)).join('/')}: `,
    h('span', { class: 'muted' }, m.reason ?? text(STATUS_TEXT[m.status], lang)))));
}

function balance(rows: Building['balance'], lang: Lang): HTMLElement | null {
  if (!rows.length) return null;
  const t = (k: TextKey) => text(k, lang);
  return h('div', { class: 'scroll' }, h('table', { class: 'balance' },
    h('thead', {}, h('tr', {}, ...[t('parentMeter'), t('balance'), t('subMeters'), t('unmetered'), '%'].map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', { 'data-balance': r.parent },
      h('td', {}, r.parent),
      h('td', { class: 'n' }, num(r.parentUsage, lang)),
      h('td', { class: 'n' }, num(r.childrenUsage, lang)),
      h('td', { class: 'n', 'data-value': r.unmetered.value ?? '' }, num(r.unmetered.value, lang)),
      h('td', { class: `n${(r.unmeteredShare.value ?? 0) < 0 ? ' warn' : ''}` }, pct(r.unmeteredShare.value, lang)))))));
}

export function renderCoverage(root: HTMLElement, c: CoverageReport, building: string, lang: Lang): void {
  const bs = c.buildings.filter((b) => !building || b.building === building);
  root.replaceChildren(
    h('div', { class: 'rates' }, rate(text('zoneRate', lang), 'zone', c.zone, lang), rate(text('facilityRate', lang), 'facility', c.facility, lang)),
    ...bs.flatMap((b) => [matrix(b, lang), missing(b, lang), balance(b.balance, lang)].filter((x): x is HTMLElement => x !== null)),
  );
}
