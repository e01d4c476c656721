import { h } from '../../../web/dom.ts';
import type { GatewayInfo, MeterInfo, QuarantineEntry } from '../api.ts';
import { age, bytes, dateTime } from '../format.ts';
import { endUseName, kindName, text, zoneName, type Lang } from '../i18n.ts';
import { platformsPanel } from './platforms.ts';

export interface HealthData {
  gateways: GatewayInfo[];
  meters: MeterInfo[];
  quarantine: { entries: QuarantineEntry[]; counts: Record<string, number> };
}

// Meters report every few seconds to a minute; two minutes of silence is a meter worth a look.
const ONLINE_WITHIN_MS = 120_000;

export function meterOnline(m: MeterInfo): boolean {
  return m.last_reading !== null && m.last_reading.age_ms < ONLINE_WITHIN_MS;
}

const badge = (on: boolean, lang: Lang) =>
  h('span', { class: `badge ${on ? 'ok' : 'bad'}`, 'data-online': String(on) }, text(on ? 'online' : 'offline', lang));

function table(head: string[], rows: HTMLElement[], cls = ''): HTMLElement {
  return h('div', { class: `scroll ${cls}` },
    h('table', {}, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))), h('tbody', {}, ...rows)));
}

function gatewayRows(gws: GatewayInfo[], lang: Lang): HTMLElement[] {
  return gws.map((g) => {
    const j = g.status?.journal;
    const m = g.status?.meters;
    return h('tr', { 'data-gateway': g.gateway },
      h('td', {}, h('b', {}, g.gateway), h('div', { class: 'muted' }, g.site)),
      h('td', {}, badge(g.online, lang)),
      h('td', { 'data-key': 'last_batch_age_ms', 'data-value': g.last_batch_age_ms ?? '' }, age(g.last_batch_age_ms, lang)),
      h('td', { 'data-key': 'lag_ms', 'data-value': g.lag_ms ?? '' }, g.lag_ms === null ? '—' : `${Math.round(g.lag_ms)} ms`),
      h('td', { 'data-key': 'journal_records', 'data-value': j?.records ?? '' }, j ? `${j.records} · ${bytes(j.bytes)}` : '—'),
      h('td', {}, j?.oldest_unacked_ms ? age(j.oldest_unacked_ms, lang) : '—'),
      h('td', {}, m ? `${m.online}/${m.total}` : String(g.meters)),
      h('td', { class: g.status?.alarms.length ? 'warn' : '' }, g.status?.alarms.join(', ') || text('none', lang)),
    );
  });
}

function meterRows(meters: MeterInfo[], lang: Lang): HTMLElement[] {
  return [...meters].sort((a, b) => a.building.localeCompare(b.building) || a.id.localeCompare(b.id)).map((m) => {
    const on = meterOnline(m);
    const flags = Object.entries(m.last_reading?.quality ?? {}).map(([k, f]) => `${k}: ${f}`);
    return h('tr', { 'data-meter-row': m.id },
      h('td', {}, h('b', {}, m.id), h('div', { class: 'muted' }, [m.name, m.model].filter(Boolean).join(' · '))),
      h('td', {}, badge(on, lang)),
      h('td', {}, m.building),
      h('td', {}, kindName(m.kind, lang)),
      h('td', {}, zoneName(m.zone, lang)),
      h('td', {}, endUseName(m.end_use, lang)),
      h('td', { 'data-key': 'age_ms', 'data-value': m.last_reading?.age_ms ?? '' }, m.last_reading ? age(m.last_reading.age_ms, lang) : '—'),
      h('td', { class: flags.length ? 'warn' : '' }, flags.join(', ') || text('none', lang)),
    );
  });
}

function quarantineRows(entries: QuarantineEntry[], lang: Lang): HTMLElement[] {
  return entries.slice().reverse().map((e) => h('tr', { 'data-quarantine': e.id },
    h('td', {}, dateTime(e.at, lang)),
    h('td', {}, `${e.gateway ?? '?'}${e.seq === null ? '' : ` #${e.seq}`}`),
    h('td', { 'data-reason': e.reason }, h('code', {}, e.reason)),
    h('td', { class: 'detail' }, e.detail),
  ));
}

export function renderHealth(root: HTMLElement, d: HealthData, lang: Lang): void {
  const t = (k: Parameters<typeof text>[0]) => text(k, lang);
  const online = d.meters.filter((m) => meterOnline(m)).length;
  const counts = Object.entries(d.quarantine.counts);
  root.replaceChildren(
    h('h3', {}, t('gateways')),
    d.gateways.length
      ? table([t('gateway'), t('state'), t('lastSeen'), t('lag'), t('backlog'), t('oldestUnacked'), t('metersOnline'), t('alarms')], gatewayRows(d.gateways, lang), 'gateways')
      : h('p', { class: 'muted' }, t('noData')),
    h('h3', {}, `${t('meters')} `, h('span', { class: 'muted', 'data-meters-online': online, 'data-meters-total': d.meters.length }, `${online}/${d.meters.length} ${t('online')}`)),
    d.meters.length
      ? table([t('meter'), t('state'), t('building'), t('kind'), t('zone'), t('endUse'), t('lastSeen'), t('errors')], meterRows(d.meters, lang), 'meter-table')
      : h('p', { class: 'muted' }, t('noData')),
    h('h3', {}, `${t('quarantine')} `, h('span', { class: 'muted' }, counts.map(([r, n]) => `${r} ${n}`).join(' · '))),
    d.quarantine.entries.length
      ? table([t('time'), t('gateway'), t('reason'), t('detail')], quarantineRows(d.quarantine.entries, lang), 'quarantine')
      : h('p', { class: 'muted', 'data-quarantine-empty': '' }, t('none')),
    platformsPanel(lang),
  );
}
