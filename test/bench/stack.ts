// The real server side of a bench: influxd and an ingestor process (`zonemeter ingestor run`),
// both on free loopback ports, in a temp folder removed on close.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startInfluxd, type ManagedInfluxd } from '../../cli/influxd.ts';
import { freePort } from '../../cli/ports.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import { alive, sleep, startChild, tempDir, ZONEMETER, type Child } from './support.ts';

export interface BenchInfluxd {
  readonly influxd: ManagedInfluxd;
  readonly dir: string;
  close(): Promise<void>;
}

export async function startBenchInfluxd(prefix: string): Promise<BenchInfluxd> {
  const tmp = tempDir(prefix);
  try {
    const influxd = await startInfluxd({ dir: path.join(tmp.dir, 'influxd') });
    return {
      influxd, dir: tmp.dir,
      async close() {
        await influxd.stop();
        tmp.remove();
      },
    };
  } catch (err) {
    tmp.remove();
    throw err;
  }
}

export async function influxQuery(url: string, db: string, q: string, method: 'GET' | 'POST' = 'GET'): Promise<unknown> {
  const u = new URL('/query', url);
  u.searchParams.set('db', db);
  u.searchParams.set('q', q);
  u.searchParams.set('epoch', 'ms');
  const res = await fetch(u, { method });
  const body = await res.json() as { results?: { error?: string }[]; error?: string };
  const err = body.error ?? body.results?.find((r) => r.error)?.error;
  if (!res.ok || err) throw new Error(`InfluxQL ${q.slice(0, 80)}: ${res.status} ${err ?? ''}`);
  return body;
}

export async function influxWrite(url: string, db: string, body: string, precision = 'ms'): Promise<void> {
  const res = await fetch(`${url}/write?db=${db}&precision=${precision}`, { method: 'POST', body });
  if (res.status !== 204) throw new Error(`influx write: ${res.status} ${await res.text()}`);
}

export interface BenchIngestor {
  readonly child: Child;
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly mqttPort: number;
  readonly database: string;
  /** Password of every gateway given, by gateway id. */
  readonly passwords: Record<string, string>;
  close(): Promise<void>;
}

/** An ingestor process on free loopback ports; `gateways` are [site, id] pairs. */
export async function startBenchIngestor(opts: {
  dir: string; influxUrl: string; database: string; gateways: [string, string][]; extra?: Record<string, unknown>; mqttPort?: number;
}): Promise<BenchIngestor> {
  const [httpPort, mqttPort] = [await freePort(), opts.mqttPort ?? (await freePort())];
  const passwords: Record<string, string> = {};
  const gateways = [];
  for (const [site, id] of opts.gateways) {
    passwords[id] = `bench-${id}`;
    gateways.push({ id, site, passwordHash: await hashPassword(passwords[id]) });
  }
  const file = path.join(opts.dir, 'ingestor.json');
  writeFileSync(file, JSON.stringify({
    http: { host: '127.0.0.1', port: httpPort },
    mqtt: { host: '127.0.0.1', port: mqttPort, maxPacketBytes: 16 * 1024 * 1024 },
    influx: { url: opts.influxUrl, database: opts.database },
    dataDir: path.join(opts.dir, 'ingestor-data'),
    gateways,
    ...opts.extra,
  }));
  const child = startChild(process.execPath, [...(process.env.ZM_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ZM_BENCH_PROF}`] : []), ZONEMETER, 'ingestor', 'run', '-c', file], { env: { ...process.env, ZM_LOG_LEVEL: 'warn' } });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive(child)) throw new Error(`ingestor exited:\n${child.tail()}`);
    try {
      if ((await fetch(`${httpUrl}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`ingestor did not answer within 60 s:\n${child.tail()}`);
    }
    await sleep(200);
  }
  return { child, httpUrl, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, mqttPort, database: opts.database, passwords, close: () => child.stop() };
}
