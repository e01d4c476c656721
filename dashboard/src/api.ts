import type { QualityFlag, Status } from '../../core/schemas.ts';

// Shapes of the ingestor's JSON, as its routes return them (ingestor/api/*.ts).

export interface LiveReading {
  meter: string;
  site: string;
  building: string;
  kind: string;
  zone: string;
  end_use: string;
  ts: number;
  values: Record<string, number>;
  quality?: Partial<Record<string, QualityFlag>>;
}

export interface MeterInfo {
  id: string;
  site: string;
  building: string;
  gateway: string;
  name: string | null;
  kind: string;
  model: string;
  zone: string;
  end_use: string;
  facility: string | null;
  parent: string | null;
  role: 'main' | 'sub';
  last_reading: { ts: number; age_ms: number; values: Record<string, number>; quality: Partial<Record<string, QualityFlag>> } | null;
}

export interface GatewayInfo {
  site: string;
  gateway: string;
  online: boolean;
  status: Status | null;
  last_batch_at: number | null;
  last_batch_age_ms: number | null;
  last_seq: number | null;
  lag_ms: number | null;
  batches: number;
  readings: number;
  meters: number;
}

export interface QuarantineEntry {
  id: number;
  at: number;
  site: string | null;
  gateway: string | null;
  seq: number | null;
  reason: string;
  detail: string;
  payload: unknown;
}

export interface Measure {
  value: number | null;
  unit: string;
  /** Why value is null for want of data: incomplete, no_data, future (now_…/base_… on a decline). */
  reason?: string;
  /** Share (0–1) of the period covered by measured usage. */
  completeness?: number;
}

export interface UsageSeries {
  kind: string;
  zone?: string;
  end_use?: string;
  meter?: string;
  unit: string;
  total: Measure;
  points: { ts: number; time: string; value: number }[];
}

export interface UsageQuery {
  site: string;
  from: number;
  to: number;
  interval: '15m' | '1h' | '1d';
  by?: 'zone' | 'end_use' | 'kind' | 'meter';
  building?: string;
  role?: 'all' | 'main' | 'sub';
}

// The site report (ingestor/indicators/site-report.ts), only the parts the page reads.
export type IndicatorKey = 'kgce_per_m2' | 'kgce_per_capita' | 'water_m3_per_capita' | 'kgco2_per_m2';

export interface IndicatorProgress {
  indicator: IndicatorKey;
  plan: string;
  baseYear: number;
  targetYear: number;
  base: Measure;
  now: Measure;
  decline: Measure;
  target: Measure;
  achieved: Measure;
  yearsLeft: number;
  requiredYearlyDecline: Measure;
}

export interface ReportScope {
  indicators: Record<IndicatorKey, Measure>;
  completeness: Record<string, number>;
  plans: { plan: string; name: string; baseYear: number; targetYear: number; progress: IndicatorProgress[] }[];
}

export interface SiteReport {
  site: string;
  total: ReportScope;
  name: string | null;
  period: { from: string; to: string; year: number; months: number | null };
  buildings: (ReportScope & { building: string; name: string | null })[];
  completenessThreshold: number;
  completenessMin: number | null;
}

export interface CoverageRate {
  required: number;
  equipped: number;
  live: number;
  rate: Measure;
  liveRate: Measure;
}

// /api/v1/sites/:site/coverage (ingestor/api/coverage.ts)
export interface CoverageReport {
  site: string;
  zone: CoverageRate;
  facility: CoverageRate;
  buildings: {
    building: string;
    name: string | null;
    zone: CoverageRate;
    facility: CoverageRate;
    points: { group: 'zone' | 'facility'; zone?: string; facility?: string; kinds: string[]; required: boolean; meters: string[]; live: string[]; status: 'live' | 'silent' | 'missing'; reason?: string }[];
    missing: { group: 'zone' | 'facility'; zone: string | null; facility: string | null; kinds: string[]; required: boolean; status: 'live' | 'silent' | 'missing'; reason?: string }[];
    balance: { parent: string; parentUsage: number; childrenUsage: number; children: string[]; unmetered: Measure; unmeteredShare: Measure }[];
  }[];
}

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
  meters: (site?: string) => get<{ meters: MeterInfo[] }>('/api/v1/meters', { site }).then((r) => r.meters),
  gateways: () => get<{ gateways: GatewayInfo[] }>('/api/v1/gateways').then((r) => r.gateways),
  usage: (q: UsageQuery) =>
    get<{ series: UsageSeries[] }>('/api/v1/usage', { ...q }).then((r) => r.series),
  indicators: (site: string, year: number, ytd = false) =>
    get<SiteReport>(`/api/v1/sites/${encodeURIComponent(site)}/indicators`, ytd ? { year, ytd: 'true' } : { year }),
  coverage: (site: string) => get<CoverageReport>(`/api/v1/sites/${encodeURIComponent(site)}/coverage`),
  quarantine: (site?: string, limit = 50) =>
    get<{ entries: QuarantineEntry[]; counts: Record<string, number> }>('/api/v1/quarantine', { site, limit }),
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
