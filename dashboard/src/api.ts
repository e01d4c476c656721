import type { ApiQuery, ApiResponse, IndicatorKey, LiveReading, Measure } from '../../core/api.ts';

// The ingestor's answers, typed from the schemas its routes are built from (core/api.ts). Types
// only: nothing of zod reaches the bundle, and a change of an answer's shape fails tsc here.
export type { IndicatorKey, LiveReading, Measure };
export type MeterInfo = ApiResponse<'meters'>['meters'][number];
export type GatewayInfo = ApiResponse<'gateways'>['gateways'][number];
export type QuarantineAnswer = ApiResponse<'quarantine'>;
export type QuarantineEntry = QuarantineAnswer['entries'][number];
export type UsageSeries = ApiResponse<'usage'>['series'][number];
export type SiteReport = ApiResponse<'indicators'>;
export type ReportScope = SiteReport['total'];
export type IndicatorProgress = ReportScope['plans'][number]['progress'][number];
export type CoverageReport = ApiResponse<'coverage'>;
export type CoverageRate = CoverageReport['zone'];
export type PlatformInfo = ApiResponse<'platforms'>['platforms'][number];
export type AlertInfo = ApiResponse<'alerts'>['alerts'][number];

/** The usage query as the page builds it: instants as epoch ms. */
export type UsageQuery = Omit<ApiQuery<'usage'>, 'from' | 'to'> & { from: number; to: number };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const res = await fetch(q.size ? `${path}?${q}` : path, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as T & { code?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, body.code ?? 'ERR_HTTP', body.message ?? res.statusText);
  return body;
}

export const api = {
  meters: (site?: string) => get<ApiResponse<'meters'>>('/api/v1/meters', { site }).then((r) => r.meters),
  gateways: () => get<ApiResponse<'gateways'>>('/api/v1/gateways').then((r) => r.gateways),
  usage: (q: UsageQuery) =>
    get<ApiResponse<'usage'>>('/api/v1/usage', { ...q }).then((r) => r.series),
  indicators: (site: string, year: number, ytd = false) =>
    get<SiteReport>(`/api/v1/sites/${encodeURIComponent(site)}/indicators`, ytd ? { year, ytd: 'true' } : { year }),
  coverage: (site: string) => get<CoverageReport>(`/api/v1/sites/${encodeURIComponent(site)}/coverage`),
  quarantine: (site?: string, limit = 50) =>
    get<QuarantineAnswer>('/api/v1/quarantine', { site, limit }),
  platforms: () => get<ApiResponse<'platforms'>>('/api/v1/platforms').then((r) => r.platforms),
  activeAlerts: (site?: string) => get<ApiResponse<'alerts'>>('/api/v1/alerts', { site, state: 'active' }).then((r) => r.alerts),
  /** Acknowledges an alert with the API token the user entered; 401 when the token is wrong. */
  async ack(id: number, note: string, token: string): Promise<ApiResponse<'alertAck'>> {
    const res = await fetch(`/api/v1/alerts/${id}/ack`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, accept: 'application/json' }, body: JSON.stringify({ note }),
    });
    const body = (await res.json().catch(() => ({}))) as ApiResponse<'alertAck'> & { code?: string; message?: string };
    if (!res.ok) throw new ApiError(res.status, body.code ?? 'ERR_HTTP', body.message ?? res.statusText);
    return body;
  },
};

/** The live stream; EventSource reconnects by itself after a drop. */
export function openLive(site: string | undefined, on: {
  state(s: 'connecting' | 'open' | 'closed'): void;
  readings(rs: LiveReading[], snapshot: boolean): void;
}): () => void {
  const es = new EventSource(site ? `/api/v1/live?site=${encodeURIComponent(site)}` : '/api/v1/live');
  es.addEventListener('open', () => on.state('open'));
  es.addEventListener('error', () => on.state(es.readyState === EventSource.CLOSED ? 'closed' : 'connecting'));
  es.addEventListener('snapshot', (e) => on.readings(JSON.parse((e as MessageEvent<string>).data) as LiveReading[], true));
  es.addEventListener('readings', (e) => on.readings(JSON.parse((e as MessageEvent<string>).data) as LiveReading[], false));
  return () => es.close();
}
