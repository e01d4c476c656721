import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../cli/ports.ts';
import { findModel } from '../../gateway/models/index.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A `node bin/zonemeter.js …` child whose pino JSON lines are kept for the test to read. */
export interface ZmProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every JSON log line from stdout, in order. */
  readonly lines: LogLine[];
  /** Non-JSON output (stderr, stray stdout), kept for failure messages. */
  readonly other: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Resolves with the first line (already seen or still to come) matching `pred`. */
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** Sends `signal` and waits for the exit; SIGTERM escalates to SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const running = new Set<ZmProcess>();

/**
 * `launcher` replaces `node bin/zonemeter.js`: e.g. a board's node under qemu running the bundle,
 * `['qemu-aarch64-static', '-L', root, `${root}/usr/bin/node`, 'dist/zonemeter.mjs']`; `cwd` runs it
 * from another folder (a bundle outside the clone).
 */
export function spawnZm(args: string[], env: Record<string, string> = {}, launcher?: readonly string[], cwd = ROOT): ZmProcess {
  const [cmd, ...pre] = launcher ?? [process.execPath, path.join(ROOT, 'bin/zonemeter.js')];
  const child = spawn(cmd!, [...pre, ...args], {
    cwd,
    env: { ...process.env, ZM_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const other: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      if (!p) continue;
      try {
        lines.push(JSON.parse(p) as LogLine);
      } catch {
        other.push(p);
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    other.push(chunk.toString('utf8'));
    if (other.length > 200) other.shift();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(proc);
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  const proc: ZmProcess = {
    child, pid: child.pid!, lines, other, exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    waitForLine(pred, timeoutMs = 20_000, what = 'a log line') {
      return new Promise((resolve, reject) => {
        let from = 0;
        const check = () => {
          for (; from < lines.length; from++) {
            if (pred(lines[from]!)) {
              done();
              resolve(lines[from]!);
              return;
            }
          }
          if (!proc.alive()) {
            done();
            reject(new Error(`${args.join(' ')} exited before ${what}:\n${tail(proc)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from ${args.join(' ')}:\n${tail(proc)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!proc.alive()) return;
      child.kill(signal);
      const timer = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      if (timer) clearTimeout(timer);
    },
  };
  running.add(proc);
  return proc;
}

function tail(p: ZmProcess): string {
  return [...p.lines.slice(-15).map((l) => JSON.stringify(l)), ...p.other.slice(-10)].join('\n');
}

/** SIGKILLs every child still running (for afterAll, whatever the tests did). */
export async function killAllZm(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}

export interface ProcessIngestor {
  proc: ZmProcess;
  url: string;
  mqttUrl: string;
  /** The same ingestor (ports, data dir, database) started again after a stop. */
  restart(): Promise<ProcessIngestor>;
}

export interface IngestorProcessOptions {
  dir: string;
  influxUrl: string;
  database: string;
  /** [site, gateway id, password hash] */
  gateways: [string, string, string][];
  ports: { http: number; mqtt: number };
  /** Merged into the config file (e.g. mqtt.tls). */
  extra?: Record<string, unknown>;
  /** Extra environment for the process. */
  env?: Record<string, string>;
}

/** `zonemeter ingestor run -c FILE` with ports and InfluxDB from the environment, as an operator runs it. */
export async function startIngestorProcess(o: IngestorProcessOptions): Promise<ProcessIngestor> {
  const file = path.join(o.dir, 'ingestor.json');
  const config = {
    dataDir: path.join(o.dir, 'data'),
    influx: { flushMs: 10 },
    gateways: o.gateways.map(([site, id, passwordHash]) => ({ site, id, passwordHash })),
    ...o.extra,
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  const proc = spawnZm(['ingestor', 'run', '-c', file], {
    ZM_HTTP_PORT: String(o.ports.http), ZM_MQTT_PORT: String(o.ports.mqtt), INFLUX_URL: o.influxUrl, INFLUX_DB: o.database, ...o.env,
  });
  await proc.waitForLine((l) => l.msg === 'ingestor running', 30_000, 'the ingestor to listen');
  return {
    proc, url: `http://127.0.0.1:${o.ports.http}`, mqttUrl: `mqtt://127.0.0.1:${o.ports.mqtt}`,
    restart: () => startIngestorProcess(o),
  };
}

/** SDM630s with unit ids 1…n on Modbus TCP, in this process. */
export function sdm630Simulator(meters: number): Promise<MeterSimulator> {
  return startMeterSimulator({
    tcp: { host: '127.0.0.1', port: 0 },
    meters: Array.from({ length: meters }, (_, i) => ({
      unitId: i + 1, model: findModel('SDM630')!, inputs: { power_kw: 10 + i }, counters: { energy_import_kwh: 1000 * (i + 1) },
    })),
  });
}

/** A gateway polling `meters` SDM630s (unit ids 1…n, every 100 ms) on one Modbus TCP simulator; password `pw-{id}`. */
export function gatewayConfig(site: string, id: string, o: { uplink: string; simPort: number; meters: number; dir: string; journal?: Record<string, unknown> }): Record<string, unknown> {
  return {
    site, gateway: id, building: 'hall',
    uplink: { url: o.uplink, username: id, password: `pw-${id}`, batch: { maxAgeMs: 100 }, ackTimeoutMs: 3000 },
    journal: { dir: path.join(o.dir, `journal-${id}`), fsyncIntervalMs: 100, ...o.journal },
    buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: o.simPort }],
    meters: Array.from({ length: o.meters }, (_, i) => ({
      id: `m${i + 1}`, bus: 'tcp-1', unitId: i + 1, model: 'SDM630', zone: 'administrative', endUse: 'total', intervalMs: 100,
    })),
  };
}

export interface ProcessGateway {
  proc: ZmProcess;
  health: string;
  configFile: string;
}

/** `zonemeter gateway run -c FILE` with the health listener on a free port (ZM_GATEWAY_HTTP). */
export async function startGatewayProcess(configFile: string, config?: unknown): Promise<ProcessGateway> {
  if (config !== undefined) writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const proc = spawnZm(['gateway', 'run', '-c', configFile], { ZM_GATEWAY_HTTP: `127.0.0.1:${port}` });
  await proc.waitForLine((l) => l.msg === 'gateway running', 30_000, 'the gateway to start');
  return { proc, health: `http://127.0.0.1:${port}`, configFile };
}

/** The part of the gateway's /api/v1/status the tests read. */
export interface GatewayStatus {
  clock: { now: number };
  meters: { id: string; online: boolean; last_read: number | null; consecutive_errors: number; last_error: string | null; reads: number; errors: number }[];
  journal: {
    records: number; bytes: number; first_seq: number | null; last_seq: number; acked_seq: number;
    oldest_unacked_age_ms: number | null; dropped_records: number; torn_records_skipped: number; alarms: string[];
  };
  uplink: { state: string; batchesSent: number; batchesAcked: number; readingsAcked: number; reconnects: number };
}

export async function gatewayStatus(health: string): Promise<GatewayStatus> {
  const res = await fetch(`${health}/api/v1/status`);
  if (res.status !== 200) throw new Error(`status answered ${res.status}`);
  return (await res.json()) as GatewayStatus;
}

/** InfluxQL on the v1 /query endpoint; returns the rows of the first series of the first statement, by series tags. */
export async function influxQuery(influxUrl: string, db: string, q: string): Promise<{ tags: Record<string, string>; rows: unknown[][] }[]> {
  const res = await fetch(`${influxUrl}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
  const body = (await res.json()) as { results: { series?: { tags?: Record<string, string>; values: unknown[][] }[]; error?: string }[] };
  const r = body.results[0]!;
  if (r.error) throw new Error(`InfluxQL ${q}: ${r.error}`);
  return (r.series ?? []).map((s) => ({ tags: s.tags ?? {}, rows: s.values }));
}

/** Collects every `readings` event of the ingestor's server-sent live stream. */
export function liveStream(url: string): { readings: { site: string; meter: string; ts: number }[]; close(): void } {
  const readings: { site: string; meter: string; ts: number }[] = [];
  const ctl = new AbortController();
  void (async () => {
    const res = await fetch(`${url}/api/v1/live`, { signal: ctl.signal });
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (event.startsWith('event: readings') && data) readings.push(...(JSON.parse(data) as typeof readings));
      }
    }
  })().catch(() => undefined);
  return { readings, close: () => ctl.abort() };
}
