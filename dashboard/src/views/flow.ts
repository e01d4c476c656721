import type { MeterInfo } from '../api.ts';
import { draw } from '../charts.ts';
import { num } from '../format.ts';
import { endUseName, text, zoneName, type Lang } from '../i18n.ts';

export interface Flow {
  nodes: { name: string; label: string }[];
  links: { source: string; target: string; value: number }[];
  /** Top-level usage not accounted for by the leaf meters beneath it. */
  unmetered: number;
  total: number;
}

/**
 * main meters → zones → end uses, from each meter's usage over one period. Leaf meters carry the
 * split; whatever a top-level meter measured beyond its leaves goes to an "unmetered" node.
 */
export function buildFlow(meters: readonly MeterInfo[], usage: ReadonlyMap<string, number>, lang: Lang): Flow {
  const byId = new Map(meters.map((m) => [m.id, m]));
  const hasChildren = new Set(meters.map((m) => m.parent).filter((p): p is string => p !== null));
  const rootOf = (m: MeterInfo): MeterInfo => {
    const seen = new Set<string>();
    while (m.parent && byId.has(m.parent) && !seen.has(m.id)) { seen.add(m.id); m = byId.get(m.parent)!; }
    return m;
  };
  const links = new Map<string, number>();
  const addLink = (s: string, t: string, v: number) => { if (v > 0) links.set(`${s}\u0000${t}`, (links.get(`${s}\u0000${t}`) ?? 0) + v); };
  const leafSum = new Map<string, number>();
  const labels = new Map<string, string>();
  for (const m of meters) {
    const v = usage.get(m.id);
    if (v === undefined || hasChildren.has(m.id)) continue;
    const root = rootOf(m);
    const rootNode = `m:${root.id}`;
    const zoneNode = `z:${m.zone}`;
    labels.set(rootNode, root.name ?? root.id);
    labels.set(zoneNode, zoneName(m.zone, lang));
    if (root.id !== m.id) leafSum.set(root.id, (leafSum.get(root.id) ?? 0) + v);
    addLink(rootNode, zoneNode, v);
    if (m.end_use !== 'total') {
      labels.set(`e:${m.end_use}`, endUseName(m.end_use, lang));
      addLink(zoneNode, `e:${m.end_use}`, v);
    }
  }
  let unmetered = 0;
  let total = 0;
  for (const m of meters) {
    if (m.parent) continue;
    const v = usage.get(m.id);
    if (v === undefined) continue;
    total += v;
    if (!hasChildren.has(m.id)) continue;
    const rest = v - (leafSum.get(m.id) ?? 0);
    labels.set(`m:${m.id}`, m.name ?? m.id);
    if (rest > 0) {
      unmetered += rest;
      labels.set('unmetered', text('unmetered', lang));
      addLink(`m:${m.id}`, 'unmetered', rest);
    }
  }
  return {
    nodes: [...labels].map(([name, label]) => ({ name, label })),
    links: [...links].map(([k, value]) => { const [source, target] = k.split('\u0000') as [string, string]; return { source, target, value }; }),
    unmetered, total,
  };
}

export function renderFlow(el: HTMLElement, flow: Flow, unit: string, lang: Lang): void {
  el.dataset.unmetered = String(flow.unmetered);
  el.dataset.total = String(flow.total);
  draw(el, {
    animation: false,
    tooltip: { trigger: 'item', valueFormatter: (v: unknown) => `${num(Number(v), lang)} ${unit}` },
    series: [{
      type: 'sankey', left: 8, right: 110, top: 10, bottom: 10, nodeGap: 10, emphasis: { focus: 'adjacency' },
      data: flow.nodes.map((n) => ({
        name: n.name, label: { formatter: n.label }, itemStyle: n.name === 'unmetered' ? { color: '#c62828' } : undefined,
      })),
      links: flow.links,
      lineStyle: { color: 'gradient', opacity: 0.35 },
      label: { fontSize: 12 },
    }],
  });
}
