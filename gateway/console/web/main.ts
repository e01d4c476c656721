import type { GatewayStatus } from '../../health/status.ts';
import { $, h } from '../../../web/dom.ts';
import { onLangSwitch, renderChrome, savedLang } from '../../../web/page.ts';
import { isTextKey, measurement, text, WORDS } from './i18n.ts';
import { errorWords, renderBuses, renderMeters, renderSummary } from './render.ts';

const POLL_MS = 1000;
const LANG_KEY = 'zm.gw.lang';
const state = {
  lang: savedLang(LANG_KEY),
  status: null as GatewayStatus | null,
  conn: 'connecting' as 'connecting' | 'online' | 'offline',
  timer: 0,
};

class Unauthorized extends Error {}
class RateLimited extends Error {}

async function api<T>(path: string, init?: { method: string; body?: unknown }): Promise<T> {
  const res = await fetch(path, init ? { method: init.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body ?? {}) } : {});
  const body = await res.json() as T & { message?: string };
  if (res.status === 401) throw new Unauthorized(body.message);
  if (res.status === 429) throw new RateLimited(body.message);
  if (!res.ok) throw Object.assign(new Error(body.message ?? `HTTP ${res.status}`), { status: res.status });
  return body;
}

function applyLang(): void {
  renderChrome(state.lang, WORDS, state.conn);
  if (state.status) render(state.status);
}

function render(s: GatewayStatus): void {
  $('#ident').textContent = `${s.site} / ${s.gateway}`;
  renderSummary(s, state.lang);
  renderBuses(s, state.lang, (bus) => {
    ($('#scan-bus') as HTMLSelectElement).value = bus;
    $('#scan-form').scrollIntoView();
  });
  renderMeters(s, state.lang, (meter) => void readMeter(meter));
  const select = $('#scan-bus') as HTMLSelectElement;
  const lines = (s.buses ?? []).filter((b) => b.type !== 'mqtt').map((b) => b.id);
  if (select.options.length !== lines.length) select.replaceChildren(...lines.map((id) => h('option', { value: id }, id)));
}

function setConn(c: typeof state.conn): void {
  if (state.conn === c) return;
  state.conn = c;
  applyLang();
}

async function poll(): Promise<void> {
  try {
    state.status = await api<GatewayStatus>('/api/v1/status');
    setConn('online');
    render(state.status);
  } catch (err) {
    if (err instanceof Unauthorized) return showLogin();
    setConn('offline');
  }
  state.timer = window.setTimeout(() => void poll(), POLL_MS);
}

function showLogin(): void {
  window.clearTimeout(state.timer);
  $('#app').hidden = true;
  $('#login').hidden = false;
  ($('#password') as HTMLInputElement).focus();
}

function showApp(password: boolean): void {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#logout').hidden = !password;
  void poll();
}

function message(sel: string, words: string, kind: 'info' | 'refused' | 'error' = 'info'): void {
  const el = $(sel);
  el.textContent = words;
  el.dataset.kind = kind;
}

const failure = (err: unknown) => ((err as { status?: number }).status === 409 ? 'refused' : 'error') as 'refused' | 'error';
const failText = (err: unknown) => `${(err as { status?: number }).status === 409 ? `${text('refused', state.lang)}: ` : ''}${(err as Error).message}`;

function answerWords(answer: string): string {
  const key = `answer_${answer}`;
  return isTextKey(key) ? text(key, state.lang) : answer;
}

interface Job { id: string; state: string; total: number; done: number; hits: { address: string; answer: string; models?: string[]; detail?: string }[]; error: string | null; shared: boolean }

async function scan(ev: Event): Promise<void> {
  ev.preventDefault();
  const bus = ($('#scan-bus') as HTMLSelectElement).value;
  const spec = ($('#scan-ids') as HTMLInputElement).value.trim();
  const timeoutMs = Number(($('#scan-timeout') as HTMLInputElement).value);
  const serial = /^\d{12,14}(\s*,\s*\d{12,14})*$/.test(spec);
  const progress = $('#scan-progress') as HTMLProgressElement;
  const table = $('#scan-result');
  table.hidden = true;
  try {
    let job = await api<Job>('/api/v1/console/scan', { method: 'POST', body: { bus, timeoutMs, ...(serial ? { addresses: spec.split(/\s*,\s*/) } : spec ? { ids: spec } : {}) } });
    progress.hidden = false;
    while (job.state === 'running') {
      progress.max = job.total;
      progress.value = job.done;
      message('#scan-message', `${text('scanning', state.lang)} ${job.done}/${job.total} ${job.shared ? text('sharedLine', state.lang) : ''}`);
      await new Promise((r) => setTimeout(r, 300));
      job = await api<Job>(`/api/v1/console/jobs/${job.id}`);
    }
    progress.hidden = true;
    if (job.state === 'failed') return message('#scan-message', `${text('scanFailed', state.lang)}: ${job.error}`, 'error');
    message('#scan-message', `${text('scanDone', state.lang)} ${job.hits.length}`);
    $('#scan-result tbody').replaceChildren(...job.hits.map((hit) => h('tr', { 'data-address': hit.address },
      h('td', {}, hit.address), h('td', {}, answerWords(hit.answer)), h('td', {}, hit.models?.join(', ') || hit.detail || '—'))));
    table.hidden = false;
  } catch (err) {
    progress.hidden = true;
    if (err instanceof Unauthorized) return showLogin();
    message('#scan-message', failText(err), failure(err));
  }
}

interface ReadResult { meter: string; ok: boolean; values?: Record<string, number>; error?: string; error_class?: string; raw: { what: string; request?: string; response: string }[]; paused_ms: number }

async function readMeter(meter: string): Promise<void> {
  message('#read-message', `${text('reading', state.lang)} ${meter}…`);
  $('#read-result').hidden = true;
  $('#read-raw').hidden = true;
  try {
    const r = await api<ReadResult>('/api/v1/console/read', { method: 'POST', body: { meter } });
    $('#read-panel').dataset.meter = meter;
    if (!r.ok) message('#read-message', `${meter}: ${errorWords(r.error_class, r.error ?? '', state.lang)}`, 'error');
    else message('#read-message', `${meter} (${r.paused_ms} ms)`);
    $('#read-result tbody').replaceChildren(...Object.entries(r.values ?? {}).map(([k, v]) => {
      const d = measurement(k, state.lang);
      return h('tr', { 'data-key': k }, h('td', {}, d.label), h('td', {}, String(v)), h('td', {}, d.unit));
    }));
    $('#read-result').hidden = !r.ok;
    $('#read-raw').textContent = `${text('rawBytes', state.lang)}:\n${r.raw.map((x) => `${x.what}${x.request ? ` tx=${x.request}` : ''} rx=${x.response}`).join('\n')}`;
    $('#read-raw').hidden = r.raw.length === 0;
  } catch (err) {
    if (err instanceof Unauthorized) return showLogin();
    message('#read-message', failText(err), failure(err));
  }
}

async function check(): Promise<void> {
  try {
    const r = await api<{ ok: boolean; errors: number; differs: boolean | null; findings: { level: string; path: string; message: string }[] }>('/api/v1/console/check', { method: 'POST' });
    message('#check-message', r.ok ? `${text('checkOk', state.lang)}${r.differs ? ` ${text('checkDiffers', state.lang)}` : ''}` : `${r.errors} ${text('problems', state.lang)}`, r.ok ? 'info' : 'error');
    $('#check-findings').replaceChildren(...r.findings.map((f) => h('li', { 'data-level': f.level }, `${f.path}: ${f.message} [${f.level}]`)));
  } catch (err) {
    if (err instanceof Unauthorized) return showLogin();
    message('#check-message', failText(err), 'error');
  }
}

async function login(ev: Event): Promise<void> {
  ev.preventDefault();
  const input = $('#password') as HTMLInputElement;
  try {
    await api('/api/v1/console/login', { method: 'POST', body: { password: input.value } });
    input.value = '';
    message('#login-message', '');
    showApp(true);
  } catch (err) {
    message('#login-message', err instanceof Unauthorized ? text('wrongPassword', state.lang) : err instanceof RateLimited ? `${text('tooMany', state.lang)} (${(err as Error).message})` : (err as Error).message, 'error');
  }
}

onLangSwitch(LANG_KEY, () => state.lang, (lang) => {
  state.lang = lang;
  applyLang();
});
$('#login-form').addEventListener('submit', (ev) => void login(ev));
$('#scan-form').addEventListener('submit', (ev) => void scan(ev));
$('#check').addEventListener('click', () => void check());
$('#logout').addEventListener('click', () => void api('/api/v1/console/logout', { method: 'POST' }).then(showLogin, showLogin));

applyLang();
void api<{ password: boolean; authenticated: boolean }>('/api/v1/console/session').then(
  (s) => (s.authenticated ? showApp(s.password) : showLogin()),
  () => setConn('offline'),
);
