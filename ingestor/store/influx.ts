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
  // Writes keep their connections open between requests; fetch does too, but its request and
  // stream machinery cost about a tenth of the ingestor's time under load, for bodies sent whole.
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

  private async call(path: string, params: Record<string, string>, init: RequestInit): Promise<Response> {
    const url = new URL(path, this.settings.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers: { ...this.headers(), ...(init.headers as Record<string, string>) }, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new InfluxError(`InfluxDB at ${this.settings.url} unreachable: ${(err as Error).message}`, null);
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw new InfluxError(`InfluxDB ${path} answered ${res.status}: ${body.slice(0, 500)}`, res.status);
    }
    return res;
  }

  async ping(): Promise<boolean> {
    try {
      const res = await fetch(new URL('/ping', this.settings.url), { signal: AbortSignal.timeout(2000) });
      return res.status === 204 || res.ok;
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
    await this.call('/query', { q: `CREATE DATABASE "${this.settings.database}"${shard}` }, { method: 'POST' });
  }

  /** Writes line-protocol lines with millisecond timestamps. */
  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const url = new URL('/write', this.settings.url);
    url.searchParams.set('db', this.settings.database);
    url.searchParams.set('precision', 'ms');
    if (this.settings.retentionPolicy) url.searchParams.set('rp', this.settings.retentionPolicy);
    const body = Buffer.from(lines.join('\n'), 'utf8');
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST', agent: this.agent, timeout: 30_000,
        headers: { ...this.headers(), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          // Only an error's first words are kept; the rest is read and dropped so the socket is reusable.
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
      req.on('error', reject);
      req.end(body);
    }).catch((err: Error) => {
      throw new InfluxError(`InfluxDB at ${this.settings.url} unreachable: ${err.message}`, null);
    });
    if (status < 200 || status >= 300) throw new InfluxError(`InfluxDB /write answered ${status}: ${text.slice(0, 500)}`, status);
  }

  /** Runs InfluxQL; times come back as epoch milliseconds. Returns one array of series per statement. */
  async query(q: string): Promise<SeriesResult[][]> {
    const res = await this.call('/query', { db: this.settings.database, q, epoch: 'ms' }, { method: 'GET' });
    const body = (await res.json()) as { results?: { series?: SeriesResult[]; error?: string }[]; error?: string };
    if (body.error) throw new InfluxError(body.error, 400);
    return (body.results ?? []).map((r) => {
      if (r.error) throw new InfluxError(r.error, 400);
      return r.series ?? [];
    });
  }
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
