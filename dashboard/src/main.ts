import { api, ApiError, openLive, type AlertInfo, type LiveReading, type MeterInfo } from './api.ts';
import { $, h } from '../../web/dom.ts';
import { onLangSwitch, renderChrome, savedLang } from '../../web/page.ts';
import { text, WORDS } from './i18n.ts';
import { loadCoverage, loadFlow, loadOverview } from './report.ts';
import { renderDay, type Point } from './views/day.ts';
import { renderHealth, type HealthData } from './views/health.ts';
import { renderAlerts } from './views/alerts.ts';
import { renderCards, renderNow } from './views/live.ts';

const LANG_KEY = 'zm.lang';
const state = {
  lang: savedLang(LANG_KEY),
  site: localStorage.getItem('zm.site') ?? '',
  building: '',
  conn: 'connecting' as 'connecting' | 'open' | 'closed',
  meters: new Map<string, MeterInfo>(),
  latest: new Map<string, LiveReading>(),
  day: [] as Point[],
  dayUsage: [] as Point[],
  health: null as HealthData | null,
  alerts: [] as AlertInfo[],
  token: localStorage.getItem('zm.token'),
  alertMessage: null as string | null,
};

const inScope = (r: { site: string; building: string }) =>
  (!state.site || r.site === state.site) && (!state.building || r.building === state.building);

function renderPickers(): void {
  const sites = [...new Set([...state.meters.values()].map((m) => m.site))].sort();
  if (!sites.includes(state.site)) state.site = sites[0] ?? '';
  const buildings = [...new Set([...state.meters.values()].filter((m) => m.site === state.site).map((m) => m.building))].sort();
  if (!buildings.includes(state.building)) state.building = '';
  $<HTMLSelectElement>('#site').replaceChildren(...sites.map((s) => h('option', { value: s, selected: s === state.site }, s)));
  $<HTMLSelectElement>('#building').replaceChildren(
    h('option', { value: '', selected: state.building === '' }, text('allBuildings', state.lang)),
    ...buildings.map((b) => h('option', { value: b, selected: b === state.building }, b)));
}

function renderLive(): void {
  const readings = [...state.latest.values()].filter(inScope);
  $('#empty').hidden = readings.length > 0;
  renderNow($('#now'), readings, state.meters, state.lang);
  renderCards($('#meters'), readings, state.lang);
  // Stored 15-minute usage first, then the live samples taken since its last complete interval.
  const lastUsage = state.dayUsage.at(-1);
  const since = lastUsage ? lastUsage[0] + QUARTER_MS : 0;
  renderDay($('#day'), [...state.dayUsage, ...state.day.filter(([ts]) => ts >= since)], state.lang);
  if (readings.length && !performance.getEntriesByName('zm:live').length) performance.mark('zm:live');
}

function renderHealthView(): void {
  if (!state.health) return;
  const d = state.health;
  renderHealth($('#health-body'), {
    gateways: d.gateways.filter((g) => !state.site || g.site === state.site),
    meters: d.meters.filter(inScope),
    quarantine: { counts: d.quarantine.counts, entries: d.quarantine.entries.filter((e) => !state.site || e.site === state.site) },
  }, state.lang);
}

function renderAlertsView(): void {
  renderAlerts($('#alerts-body'), state.alerts.filter((a) => !state.site || a.site === state.site), state.lang, {
    token: state.token,
    message: state.alertMessage,
    setToken: (token) => {
      state.token = token;
      state.alertMessage = null;
      if (token) localStorage.setItem('zm.token', token);
      else localStorage.removeItem('zm.token');
      renderAlertsView();
    },
    ack: (id, note) => void acknowledge(id, note),
  });
}

async function acknowledge(id: number, note: string): Promise<void> {
  if (!note) {
    state.alertMessage = text('noteRequired', state.lang);
    renderAlertsView();
    return;
  }
  try {
    const a = await api.ack(id, note, state.token ?? '');
    state.alerts = state.alerts.map((x) => (x.id === a.id ? a : x));
    state.alertMessage = null;
  } catch (err) {
    // A refused token is forgotten, so the page falls back to read-only rather than failing again.
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      state.token = null;
      localStorage.removeItem('zm.token');
      state.alertMessage = text('tokenRefused', state.lang);
    } else state.alertMessage = (err as Error).message;
  }
  renderAlertsView();
}

async function refreshAlerts(): Promise<void> {
  state.alerts = await api.activeAlerts();
  // A note being typed is not wiped by the refresh: the list is drawn again once the field is left.
  if (document.activeElement?.closest('#alerts-body') && document.activeElement.tagName === 'INPUT') return;
  renderAlertsView();
}

function renderAll(): void {
  renderChrome(state.lang, WORDS, state.conn);
  renderPickers();
  renderLive();
  renderHealthView();
  renderAlertsView();
}

// Live events can arrive many times a second; draw at most once a frame.
let pending = false;
function schedule(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; renderLive(); });
}

const SAMPLE_MS = 5_000;
function sampleDay(): void {
  const readings = [...state.latest.values()].filter(inScope);
  const total = readings.filter((r) => r.kind === 'electricity' && !state.meters.get(r.meter)?.parent)
    .reduce((s, r) => s + (r.values.power_kw ?? 0), 0);
  const ts = Math.max(...readings.map((r) => r.ts));
  const last = state.day.at(-1);
  if (!Number.isFinite(ts) || (last && ts - last[0] < SAMPLE_MS)) return;
  state.day.push([ts, total]);
  if (state.day.length > 24 * 3600_000 / SAMPLE_MS) state.day.shift();
}

const QUARTER_MS = 15 * 60_000;

/** Indicators and the energy flow: their sections stay hidden while the ingestor has nothing for them. */
async function refreshReports(): Promise<void> {
  if (!state.site) return;
  const scope = { site: state.site, building: state.building, lang: state.lang };
  const [overview, cover, flow] = await Promise.allSettled([
    loadOverview(scope, $('#indicators'), $('#trend')),
    loadCoverage(scope, $('#coverage-body')),
    loadFlow(scope, [...state.meters.values()], $('#sankey')),
  ]);
  const ok = (r: PromiseSettledResult<boolean>) => r.status === 'fulfilled' && r.value;
  $('#overview').hidden = !ok(overview);
  $('#coverage').hidden = !ok(cover) && !ok(flow);
  $('#sankey').hidden = $('#sankey-title').hidden = !ok(flow);
  for (const r of [overview, cover, flow]) if (r.status === 'rejected') console.warn('report refresh failed', r.reason);
}

/** Electric demand over the last day: kWh per 15 minutes × 4 is the mean kW of the interval. */
async function refreshDay(): Promise<void> {
  if (!state.site) return;
  const to = Date.now();
  const q = { site: state.site, building: state.building || undefined, from: to - 24 * 3600_000, to, interval: '15m', by: 'kind' } as const;
  let series = await api.usage({ ...q, role: 'main' });
  // Without main meters, the sub-meters are the top of the tree.
  if (!series.some((s) => s.kind === 'electricity')) series = await api.usage({ ...q, role: 'sub' });
  const elec = series.find((s) => s.kind === 'electricity');
  state.dayUsage = elec ? elec.points.map((p) => [p.ts, p.value * (3_600_000 / QUARTER_MS)] as Point) : [];
  schedule();
}

async function refreshHealth(): Promise<void> {
  const [gateways, meters, quarantine] = await Promise.all([api.gateways(), api.meters(), api.quarantine()]);
  const before = state.meters.size;
  state.meters = new Map(meters.map((m) => [m.id, m]));
  state.health = { gateways, meters, quarantine };
  if (state.meters.size !== before) {
    renderAll();
    void dayLoop();
    void refreshReports();
  }
  else renderHealthView();
}

onLangSwitch(LANG_KEY, () => state.lang, (lang) => {
  state.lang = lang;
  renderAll();
  void refreshReports();
});
$<HTMLSelectElement>('#site').addEventListener('change', (e) => {
  state.site = (e.target as HTMLSelectElement).value;
  localStorage.setItem('zm.site', state.site);
  state.day = [];
  renderAll();
  void dayLoop();
  void refreshReports();
});
$<HTMLSelectElement>('#building').addEventListener('change', (e) => {
  state.building = (e.target as HTMLSelectElement).value;
  state.day = [];
  renderAll();
  void dayLoop();
  void refreshReports();
});

renderAll();
openLive(undefined, {
  state: (s) => { state.conn = s; renderChrome(state.lang, WORDS, state.conn); },
  readings: (rs) => {
    for (const r of rs) {
      const prev = state.latest.get(r.meter);
      if (!prev || prev.ts <= r.ts) state.latest.set(r.meter, r);
    }
    sampleDay();
    schedule();
  },
});
const healthLoop = () => {
  void refreshAlerts().catch((err: unknown) => console.warn('alerts refresh failed', err));
  return refreshHealth().catch((err: unknown) => console.warn('health refresh failed', err));
};
void healthLoop();
setInterval(healthLoop, 10_000);
const dayLoop = () => refreshDay().catch((err: unknown) => console.warn('usage refresh failed', err));
setInterval(() => { void dayLoop(); void refreshReports(); }, 5 * 60_000);
