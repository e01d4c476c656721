import { h } from '../../../web/dom.ts';
import { draw, PALETTE } from '../charts.ts';
import { num, pct } from '../format.ts';
import type { IndicatorKey } from '../api.ts';
import { text, type Lang, type TextKey } from '../i18n.ts';

// The cards, in order; the keys are checked against the API's (a value here, so core's list with
// its zod import stays out of the bundle).
export const INDICATORS = ['kgce_per_m2', 'kgce_per_capita', 'water_m3_per_capita', 'kgco2_per_m2'] as const satisfies readonly IndicatorKey[];

/** One card's figures, taken from the indicators API without rounding. */
export interface IndicatorCard {
  key: IndicatorKey;
  unit: string;
  now: number | null;
  /** Why now is null (incomplete, no_data, future), and the share of the period measured. */
  reason: string | null;
  completeness: number | null;
  baseYear: number | null;
  base: number | null;
  decline: number | null;
  target: number | null;
  achieved: number | null;
  requiredYearlyDecline: number | null;
}

const UNIT_DISPLAY: Record<string, string> = { 'kgCO2/m²': 'kgCO₂/m²' };
const unit = (u: string, lang: Lang) => {
  const shown = UNIT_DISPLAY[u] ?? u;
  return lang === 'zh' ? shown.replace('/person', '/人') : shown;
};

/** What a card shows instead of a number: never a 0 for a period without (enough) data. */
function missing(reason: string | null, completeness: number | null, lang: Lang): string | null {
  const t = (k: TextKey) => text(k, lang);
  if (reason === null) return null;
  if (reason.endsWith('incomplete')) return `${t('incompleteData')} (${pct(completeness, lang, 0)})`;
  if (reason.endsWith('future')) return t('futurePeriod');
  return t('noDataPeriod');
}

export interface CardSection {
  /** 'year': the last complete year; 'ytd': this year so far. */
  period: 'year' | 'ytd';
  /** Local dates [from, to) and the data year of the figures. */
  from: string;
  to: string;
  year: number;
  months: number | null;
  /** The least complete building and kind, null when nothing is metered. */
  completeness: number | null;
  cards: IndicatorCard[];
}

function periodLabel(s: CardSection, lang: Lang): string {
  const t = (k: TextKey) => text(k, lang);
  const span = s.period === 'year'
    ? (lang === 'zh' ? `${s.year}年` : String(s.year))
    : (lang === 'zh' ? `${s.year}年1–${s.months}月` : `${s.year}, Jan–${new Date(Date.UTC(2000, (s.months ?? 1) - 1, 1)).toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })}`);
  const base = s.cards.find((c) => c.baseYear !== null)?.baseYear;
  const against = base === undefined || base === null ? '' : s.period === 'year'
    ? ` · ${t('against')} ${base}`
    : ` · ${t('against')} ${lang === 'zh' ? `${base}年同期` : `the same months of ${base}`}`;
  const done = s.completeness === null ? '' : ` · ${t('completeness')} ${pct(s.completeness, lang, 0)}`;
  return `${t(s.period === 'year' ? 'lastFullYear' : 'yearToDate')}: ${span}${against}${done}`;
}

function card(c: IndicatorCard, year: number, lang: Lang): HTMLElement {
  const t = (k: TextKey) => text(k, lang);
  const instead = c.now === null ? missing(c.reason, c.completeness, lang) : null;
  const share = c.achieved === null ? null : Math.max(0, Math.min(1, c.achieved));
  const row = (label: string, key: string, v: number | null, shown: string) =>
    [h('dt', {}, label), h('dd', { 'data-key': key, 'data-value': v ?? '' }, shown)];
  return h('article', { class: 'ind', 'data-indicator': c.key },
    h('h3', {}, t(c.key)),
    instead
      ? h('div', { class: 'big missing', 'data-key': 'now', 'data-value': '', 'data-reason': c.reason ?? '' }, instead, h('small', {}, ` · ${year}`))
      : h('div', { class: 'big', 'data-key': 'now', 'data-value': c.now ?? '' }, num(c.now, lang), h('small', {}, ` ${unit(c.unit, lang)} · ${year}`)),
    h('dl', {},
      ...row(`${t('baseYear')} ${c.baseYear ?? ''}`, 'base', c.base, num(c.base, lang)),
      ...row(t('decline'), 'decline', c.decline, pct(c.decline, lang, 2)),
      ...row(t('target'), 'target', c.target, c.target === null ? '—' : `−${pct(c.target, lang, 0)}`),
      ...row(t('achieved'), 'achieved', c.achieved, pct(c.achieved, lang)),
      ...row(t('neededPerYear'), 'required_yearly_decline', c.requiredYearlyDecline, pct(c.requiredYearlyDecline, lang, 2))),
    h('div', { class: `bar${c.achieved !== null && c.achieved < 1 ? ' behind' : ''}`, role: 'progressbar', 'aria-valuenow': share === null ? undefined : Math.round(share * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 },
      h('span', { style: `width:${((share ?? 0) * 100).toFixed(1)}%` })),
  );
}

/** The last complete year and this year so far, each against the plan's base year over the same months. */
export function renderIndicators(root: HTMLElement, sections: CardSection[], lang: Lang): void {
  root.replaceChildren(...(sections.length ? sections.map((s) => h('section', { class: 'period', 'data-period': s.period, 'data-completeness': s.completeness ?? '' },
    h('h3', { class: 'period-label' }, periodLabel(s, lang)),
    h('div', { class: 'indicators' }, ...s.cards.map((c) => card(c, s.year, lang))))) : [h('p', { class: 'muted' }, text('noData', lang))]));
}

/** Each indicator indexed to its first year (= 100), so four units fit one axis. */
export function renderTrend(el: HTMLElement, years: number[], series: Record<IndicatorKey, (number | null)[]>, lang: Lang): void {
  draw(el, {
    animation: false,
    color: PALETTE,
    grid: { left: 44, right: 16, top: 40, bottom: 28 },
    legend: { top: 0, type: 'scroll' },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (v === null || v === undefined ? '—' : num(Number(v), lang, 1)) },
    xAxis: { type: 'category', data: years.map(String) },
    yAxis: { type: 'value', scale: true, name: lang === 'zh' ? '首年=100' : 'first year = 100', nameGap: 10 },
    series: INDICATORS.map((k) => {
      const vals = series[k];
      // The base year may predate the data: index to the first year that has a value.
      const base = vals.find((v) => v !== null && v > 0);
      // A year without complete data is a gap in the line, not a point at zero.
      return { type: 'line', name: text(k, lang), connectNulls: false, data: vals.map((v) => (v === null || !base ? null : (100 * v) / base)) };
    }),
  });
}
