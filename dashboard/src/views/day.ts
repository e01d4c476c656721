import { draw } from '../charts.ts';
import { num } from '../format.ts';
import { text, type Lang } from '../i18n.ts';

export type Point = [ts: number, kw: number];

const HOUR = 3_600_000;
const NIGHT = { from: 0, to: 5 };

const localHour = (ts: number) => new Date(ts).getHours();

/** Mean demand between 00:00 and 05:00 local time: what the building draws when nobody is in it. */
export function nightBaseLoad(points: readonly Point[]): number | null {
  const night = points.filter(([ts]) => localHour(ts) >= NIGHT.from && localHour(ts) < NIGHT.to);
  if (!night.length) return null;
  return night.reduce((s, [, v]) => s + v, 0) / night.length;
}

/** The night windows that fall inside [from, to], to shade on the chart. */
function nights(from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  const d = new Date(from);
  d.setHours(NIGHT.from, 0, 0, 0);
  for (let t = d.getTime() - 24 * HOUR; t < to; t += 24 * HOUR) {
    const a = Math.max(t, from);
    const b = Math.min(t + (NIGHT.to - NIGHT.from) * HOUR, to);
    if (b > a) out.push([a, b]);
  }
  return out;
}

export function renderDay(el: HTMLElement, points: readonly Point[], lang: Lang, now = Date.now()): void {
  const from = now - 24 * HOUR;
  const shown = points.filter(([ts]) => ts >= from);
  const base = nightBaseLoad(shown);
  el.dataset.points = String(shown.length);
  el.dataset.baseLoad = base === null ? '' : String(base);
  draw(el, {
    animation: false,
    grid: { left: 48, right: 16, top: 24, bottom: 28 },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${num(Number(v), lang)} kW` },
    xAxis: { type: 'time', min: from, max: now },
    yAxis: { type: 'value', name: 'kW', nameGap: 8 },
    series: [{
      type: 'line', name: text('elecKw', lang), data: shown, showSymbol: false, step: 'end',
      areaStyle: { opacity: 0.15 }, lineStyle: { width: 1.5 }, color: '#2f6fb0',
      markArea: { silent: true, itemStyle: { color: 'rgba(60,60,120,0.08)' }, data: nights(from, now).map(([a, b]) => [{ xAxis: a }, { xAxis: b }]) },
      markLine: base === null ? undefined : {
        silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#b54747' },
        label: { formatter: `${text('nightBase', lang)} ${num(base, lang)} kW`, position: 'insideEndTop' },
        data: [{ yAxis: base }],
      },
    }],
  });
}
