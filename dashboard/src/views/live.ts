import { MEASUREMENTS, isMeasurementKey } from '../../../core/measurements.ts';
import { END_USE_KEYS, ZONE_KEYS } from '../../../core/vocabulary.ts';
import { h } from '../../../web/dom.ts';
import type { LiveReading, MeterInfo } from '../api.ts';
import { num, time } from '../format.ts';
import { endUseName, kindName, text, zoneName, type Lang, type TextKey } from '../i18n.ts';

/** The gauge that says how much each kind is drawing right now. */
export const RATE_KEY = { electricity: 'power_kw', water: 'flow_m3h', heat: 'heat_power_kw' } as const;
export type RateKind = keyof typeof RATE_KEY;
const RATE_KINDS = Object.keys(RATE_KEY) as RateKind[];
const RATE_LABEL: Record<RateKind, TextKey> = { electricity: 'elecKw', water: 'waterM3h', heat: 'heatKw' };
const RATE_UNIT: Record<RateKind, string> = { electricity: 'kW', water: 'm³/h', heat: 'kW' };

export type Totals = Record<RateKind, number | null>;
const empty = (): Totals => ({ electricity: null, water: null, heat: null });
const add = (t: Totals, k: RateKind, v: number) => { t[k] = (t[k] ?? 0) + v; };

/**
 * Sums the latest rate of each meter. The site total takes only top-level meters, the zone and
 * end-use split only leaf meters, so a main meter and its sub-meters are never counted twice.
 */
export function liveTotals(readings: Iterable<LiveReading>, meters: ReadonlyMap<string, MeterInfo>) {
  const parents = new Set([...meters.values()].map((m) => m.parent).filter((p): p is string => p !== null));
  const total = empty();
  const byZone = new Map<string, Totals>();
  const byEndUse = new Map<string, Totals>();
  for (const r of readings) {
    if (!(r.kind in RATE_KEY)) continue;
    const kind = r.kind as RateKind;
    const v = r.values[RATE_KEY[kind]];
    if (v === undefined) continue;
    const info = meters.get(r.meter);
    if (!info?.parent) add(total, kind, v);
    if (parents.has(r.meter)) continue;
    for (const [map, key] of [[byZone, r.zone], [byEndUse, r.end_use]] as const) {
      if (!map.has(key)) map.set(key, empty());
      add(map.get(key)!, kind, v);
    }
  }
  return { total, byZone, byEndUse };
}

function card(r: LiveReading, lang: Lang): HTMLElement {
  const dl = h('dl');
  for (const [key, value] of Object.entries(r.values)) {
    if (!isMeasurementKey(key)) continue;
    const def = MEASUREMENTS[key];
    dl.append(h('dt', {}, def[lang]), h('dd', { 'data-key': key, 'data-value': String(value) }, `${num(value, lang)} ${def.unit}`));
  }
  const flagged = Object.keys(r.quality ?? {}).length > 0;
  return h('article', { class: `card${flagged ? ' flagged' : ''}`, 'data-meter': r.meter },
    h('h3', {}, r.meter),
    h('div', { class: 'tags' }, `${r.building} · ${kindName(r.kind, lang)} · ${zoneName(r.zone, lang)} · ${endUseName(r.end_use, lang)}`),
    dl,
    h('div', { class: 'ts', 'data-ts': String(r.ts) }, `${text('updated', lang)} ${time(r.ts, lang)}`));
}

function splitTable(title: string, rows: Map<string, Totals>, order: readonly string[], attr: string, label: (k: string) => string, lang: Lang): HTMLElement {
  const keys = [...rows.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const kinds = RATE_KINDS.filter((k) => keys.some((z) => rows.get(z)![k] !== null));
  return h('div', { class: 'scroll' }, h('table', { class: 'split' },
    h('thead', {}, h('tr', {}, h('th', {}, title), ...kinds.map((k) => h('th', { class: 'n' }, `${text(RATE_LABEL[k], lang)} (${RATE_UNIT[k]})`)))),
    h('tbody', {}, ...keys.map((z) => h('tr', {}, h('td', {}, label(z)),
      ...kinds.map((k) => {
        const v = rows.get(z)![k];
        return h('td', { class: 'n', [attr]: z, 'data-kind': k, 'data-value': v ?? '' }, num(v, lang));
      }))))));
}

export function renderNow(root: HTMLElement, readings: LiveReading[], meters: ReadonlyMap<string, MeterInfo>, lang: Lang): Totals {
  const { total, byZone, byEndUse } = liveTotals(readings, meters);
  root.replaceChildren(
    h('div', { class: 'tiles' }, ...RATE_KINDS.map((k) => h('div', { class: `tile kind-${k}` },
      h('div', { class: 'label' }, text(RATE_LABEL[k], lang)),
      h('div', { class: 'big', 'data-live-total': k, 'data-value': total[k] ?? '' }, num(total[k], lang), h('small', {}, ` ${RATE_UNIT[k]}`))))),
    h('div', { class: 'two' },
      splitTable(text('byZone', lang), byZone, ZONE_KEYS, 'data-live-zone', (z) => zoneName(z, lang), lang),
      splitTable(text('byEndUse', lang), byEndUse, END_USE_KEYS, 'data-live-end-use', (e) => endUseName(e, lang), lang)),
  );
  return total;
}

export function renderCards(root: HTMLElement, readings: LiveReading[], lang: Lang): void {
  const list = [...readings].sort((a, b) => a.building.localeCompare(b.building) || a.meter.localeCompare(b.meter));
  root.replaceChildren(...list.map((r) => card(r, lang)));
}
