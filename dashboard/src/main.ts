import { MEASUREMENTS, isMeasurementKey } from '../../core/measurements.ts';
import { endUseName, kindName, text, zoneName, type Lang, type TextKey } from './i18n.ts';

interface LiveReading {
  meter: string;
  site: string;
  building: string;
  kind: string;
  zone: string;
  end_use: string;
  ts: number;
  values: Record<string, number>;
}

const latest = new Map<string, LiveReading>();
let lang: Lang = (localStorage.getItem('zm.lang') as Lang | null) ?? 'zh';
let connState: 'connecting' | 'open' | 'closed' = 'connecting';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

function format(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 1 : abs >= 10 ? 2 : 3;
  return value.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function card(r: LiveReading): HTMLElement {
  const el = document.createElement('article');
  el.className = 'card';
  el.dataset.meter = r.meter;
  const h = document.createElement('h3');
  h.textContent = r.meter;
  const tags = document.createElement('div');
  tags.className = 'tags';
  tags.textContent = `${r.building} · ${kindName(r.kind, lang)} · ${zoneName(r.zone, lang)} · ${endUseName(r.end_use, lang)}`;
  const dl = document.createElement('dl');
  for (const [key, value] of Object.entries(r.values)) {
    if (!isMeasurementKey(key)) continue;
    const def = MEASUREMENTS[key];
    const dt = document.createElement('dt');
    dt.textContent = def[lang];
    const dd = document.createElement('dd');
    dd.dataset.key = key;
    dd.dataset.value = String(value);
    dd.textContent = `${format(value)} ${def.unit}`;
    dl.append(dt, dd);
  }
  const ts = document.createElement('div');
  ts.className = 'ts';
  ts.dataset.ts = String(r.ts);
  ts.textContent = `${text('updated', lang)} ${new Date(r.ts).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB')}`;
  el.append(h, tags, dl, ts);
  return el;
}

function render(): void {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = text(el.dataset.i18n as TextKey, lang);
  $('#lang').textContent = text('switchTo', lang);
  const conn = $('#conn');
  conn.dataset.state = connState;
  conn.textContent = text(connState, lang);
  const list = [...latest.values()].sort((a, b) => a.building.localeCompare(b.building) || a.meter.localeCompare(b.meter));
  $('#empty').hidden = list.length > 0;
  $('#meters').replaceChildren(...list.map(card));
}

function ingest(readings: LiveReading[]): void {
  for (const r of readings) {
    const prev = latest.get(r.meter);
    if (!prev || prev.ts <= r.ts) latest.set(r.meter, r);
  }
  render();
}

function connect(): void {
  const es = new EventSource('/api/v1/live');
  es.addEventListener('open', () => { connState = 'open'; render(); });
  es.addEventListener('error', () => { connState = es.readyState === EventSource.CLOSED ? 'closed' : 'connecting'; render(); });
  es.addEventListener('snapshot', (e) => ingest(JSON.parse((e as MessageEvent<string>).data) as LiveReading[]));
  es.addEventListener('readings', (e) => ingest(JSON.parse((e as MessageEvent<string>).data) as LiveReading[]));
}

$('#lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('zm.lang', lang);
  render();
});
render();
connect();
