import http from 'node:http';
import https from 'node:https';
import type { IngestorConfig } from '../config.ts';

export type InfluxSettings = Omit<IngestorConfig['influx'], 'shardDuration' | 'maxPendingBytes'> & { shardDuration?: string };

/** An InfluxDB answer: 4xx means the data itself is refused (retrying cannot help), else transient. */
export class InfluxError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
    this.name = 'InfluxError';
  }
  get permanent(): boolean {
    return this.status !== null && this.status >= 400 && this.status < 500 && this.status !== 429;
  }
}

export interface SeriesResult {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/**
 * The InfluxDB v1 HTTP API: line protocol on POST /write, InfluxQL on /query. The same path serves
 * 1.x natively, 2.x through its v1 compatibility endpoints (token auth) and 3.x.
 */
export class InfluxClient {
  // node:http with kept-alive connections rather than fetch: fetch's request and stream machinery
  // cost about a tenth of the ingestor's time under load, for bodies that are sent and read whole.
  private readonly agent: http.Agent;

  constructor(private readonly settings: InfluxSettings) {
    const Agent = settings.url.startsWith('https:') ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 8 });
  }

  /** Frees the kept-alive connections (the ingestor's stop). */
  close(): void {
    this.agent.destroy();
  }

  get database(): string {
    return this.settings.database;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.settings.token) h.Authorization = `Token ${this.settings.token}`;
    else if (this.settings.username) {
      h.Authorization = `Basic ${Buffer.from(`${this.settings.username}:${this.settings.password ?? ''}`).toString('base64')}`;
    }
    return h;
  }

  /** One request, its answer read whole; a connection failure or timeout rejects with the reason. */
  private request(method: 'GET' | 'POST', path: string, params: Record<string, string>, opts: { body?: Buffer; timeoutMs?: number } = {}): Promise<{ status: number; body: Buffer }> {
    const url = new URL(path, this.settings.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.headers() };
      if (opts.body) Object.assign(headers, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': opts.body.length });
      const req = (url.protocol === 'https:' ? https : http).request(url, { method, agent: this.agent, timeout: timeoutMs, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  private async call(method: 'GET' | 'POST', path: string, params: Record<string, string>, body?: Buffer): Promise<Buffer> {
    let res: { status: number; body: Buffer };
    try {
      res = await this.request(method, path, params, { body });
    } catch (err) {
      throw new InfluxError(`InfluxDB at ${this.settings.url} unreachable: ${(err as Error).message}`, null);
    }
    if (res.status < 200 || res.status >= 300) {
      throw new InfluxError(`InfluxDB ${path} answered ${res.status}: ${res.body.subarray(0, 500).toString('utf8')}`, res.status);
    }
    return res.body;
  }

  async ping(): Promise<boolean> {
    try {
      const res = await this.request('GET', '/ping', {}, { timeoutMs: 2000 });
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }

  /**
   * Creates the database with year-long shard groups when it is new. Annual indicators read a year
   * of daily rollups; with influxd's default week-long shards that is 52 shards per series and
   * about 9× the query time (test/bench/query.bench.ts). An existing database keeps its policy:
   * influxd answers "conflicts with an existing policy" and changes nothing, which is fine.
   */
  async createDatabase(): Promise<void> {
    const shard = this.settings.shardDuration ? ` WITH SHARD DURATION ${this.settings.shardDuration}` : '';
    await this.call('POST', '/query', { q: `CREATE DATABASE "${this.settings.database}"${shard}` });
  }

  /** Writes line-protocol lines with millisecond timestamps. */
  async write(lines: readonly (Buffer | string)[]): Promise<void> {
    if (lines.length === 0) return;
    const params: Record<string, string> = { db: this.settings.database, precision: 'ms' };
    if (this.settings.retentionPolicy) params.rp = this.settings.retentionPolicy;
    await this.call('POST', '/write', params, body(lines));
  }

  /** Runs InfluxQL; times come back as epoch milliseconds. Returns one array of series per statement. */
  async query(q: string): Promise<SeriesResult[][]> {
    const raw = await this.call('GET', '/query', { db: this.settings.database, q, epoch: 'ms' });
    let body: { results?: { series?: SeriesResult[]; error?: string }[]; error?: string };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch (err) {
      throw new InfluxError(`InfluxDB /query answered what is not JSON: ${(err as Error).message}`, null);
    }
    if (body.error) throw new InfluxError(body.error, 400);
    return (body.results ?? []).map((r) => {
      if (r.error) throw new InfluxError(r.error, 400);
      return r.series ?? [];
    });
  }
}

/** The lines of a write, one per line, as one buffer. */
function body(lines: readonly (Buffer | string)[]): Buffer {
  let size = lines.length - 1;
  for (const l of lines) size += typeof l === 'string' ? Buffer.byteLength(l, 'utf8') : l.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const l of lines) {
    if (at > 0) out[at++] = 10;
    at += typeof l === 'string' ? out.write(l, at, 'utf8') : l.copy(out, at);
  }
  return out;
}

/** Quotes an InfluxQL string literal. */
export function ql(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Rows of one series as objects keyed by column. */
export function rows(series: SeriesResult | undefined): Record<string, unknown>[] {
  if (!series) return [];
  return series.values.map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i]])));
}
