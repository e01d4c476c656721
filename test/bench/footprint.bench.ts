// Footprint and storage wear on a board's workload: the bundle's `gateway run` polling the demo
// building (`zonemeter sim building`, 22 meters over Modbus TCP, RTU over TCP, DL/T 645, CJ/T 188
// and M-Bus, every meter each second), journalling and uplinking to a real ingestor, measured
// beside a bare `node` idling in the same run.
//   Footprint: steady-state RSS (median of 1 s samples after a warm-up) against bare node. Goal
//   (DESIGN.md, issue 19): ≤ 64 MB, ≤ 1.65 × bare node.
//   Wear: bytes the gateway has the kernel write to disk per reading (/proc/PID/io write_bytes:
//   journal, cursor, anything else), the journal's own bytes per reading (its frames, read back
//   from the segment after the run), and fsync/fdatasync/rename calls per minute (strace -c).
//   Goal: ≤ 100 journal bytes per reading of a three-phase meter.
// The gateway runs as the systemd unit runs it: node with GATEWAY_NODE_FLAGS (cli/service-unit.ts)
// before the bundle; node flags given on the command line replace them (`--` alone: none).
// Run: npx tsx test/bench/footprint.bench.ts [warmup_s] [window_s] [node flags for the gateway…]
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freePort } from '../../cli/ports.ts';
import { GATEWAY_NODE_FLAGS } from '../../cli/service-unit.ts';
import { decodeReading } from '../../gateway/journal/codec.ts';
import { startBenchInfluxd, startBenchIngestor } from './stack.ts';
import {
  alive, buildBundle, isMain, measureProcess, printFigures, round, rssMb, sleep, startChild, tempDir, withTimeout, type Child, type Figures,
} from './support.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function ioWriteBytes(pid: number): number {
  const m = /^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** `sim building --print-gateway-config`: the simulator child and the gateway YAML it printed. */
async function startBuilding(bundle: string): Promise<{ child: Child; config: Record<string, unknown> }> {
  const site = path.join(path.dirname(bundle), 'simulators/building/examples/demo-site.yaml');
  let out = '';
  let ready: () => void = () => undefined;
  const printed = new Promise<void>((r) => { ready = r; });
  const child = startChild(process.execPath, [bundle, 'sim', 'building', '-c', site, '--host', '127.0.0.1', '--print-gateway-config'], {
    onLine: (line) => { if (/^site \S+: \d+ meters/.test(line)) ready(); },
  });
  child.proc.stdout!.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  await withTimeout(printed, 30_000, `sim building:\n${child.tail()}`);
  await sleep(200);
  return { child, config: parseYaml(out) as Record<string, unknown> };
}

interface Sampled { rss: number[] }

async function sample(pids: number[], ms: number): Promise<Sampled[]> {
  const out = pids.map(() => ({ rss: [] as number[] }));
  for (const end = Date.now() + ms; Date.now() < end;) {
    await sleep(1000);
    pids.forEach((p, i) => out[i]!.rss.push(rssMb(p)));
  }
  return out;
}

/** fsync, fdatasync and rename calls of `pid` over `ms`, from strace -c; null without strace. */
async function syncCalls(pid: number, ms: number): Promise<Record<string, number> | null> {
  const st = spawn('strace', ['-f', '-c', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  st.stderr.on('data', (b: Buffer) => { err += b.toString('utf8'); });
  const failed = await Promise.race([new Promise<boolean>((r) => st.once('error', () => r(true))), sleep(ms).then(() => false)]);
  if (failed) return null;
  const exited = new Promise<void>((r) => st.once('exit', () => r()));
  st.kill('SIGINT');
  await exited;
  const calls: Record<string, number> = { fsync: 0, fdatasync: 0, rename: 0 };
  for (const m of err.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/gm)) {
    const name = m[2]!.startsWith('rename') ? 'rename' : m[2]!;
    if (name in calls) calls[name]! += Number(m[1]);
  }
  return calls;
}

/** Frames of the journal's segments: bytes per record, overall and for three-phase readings. */
function journalBytes(dir: string): { records: number; perReading: number; perThreePhase: number; threePhase: number } {
  let records = 0, bytes = 0, tp = 0, tpBytes = 0;
  for (const name of readdirSync(dir).filter((n) => n.startsWith('seg-'))) {
    const buf = readFileSync(path.join(dir, name));
    for (let off = 0; off + 16 <= buf.length;) {
      const len = buf.readUInt32LE(off);
      if (off + 16 + len > buf.length) break;
      const r = decodeReading(buf, off + 16, off + 16 + len);
      records++;
      bytes += 16 + len;
      if ('voltage_l3_v' in r.values) {
        tp++;
        tpBytes += 16 + len;
      }
      off += 16 + len;
    }
  }
  return { records, perReading: round(bytes / records, 1), perThreePhase: round(tpBytes / tp, 1), threePhase: tp };
}

async function lastSeq(health: string): Promise<number> {
  const st = await (await fetch(`${health}/api/v1/status`)).json() as { journal: { last_seq: number } };
  return st.journal.last_seq;
}

export async function run(warmupS = 30, windowS = 60, nodeFlags: readonly string[] = GATEWAY_NODE_FLAGS): Promise<Figures> {
  const build = tempDir('zm-bench-footprint-build-');
  const stack = await startBenchInfluxd('zm-bench-footprint-');
  const children: Child[] = [];
  try {
    const bundle = await buildBundle(build.dir);
    const sim = await startBuilding(bundle);
    children.push(sim.child);
    const ingestor = await startBenchIngestor({ dir: stack.dir, influxUrl: stack.influxd.url, database: 'zonemeter', gateways: [['demo', 'gw-1']] });
    children.push(ingestor.child);

    const journalDir = path.join(stack.dir, 'journal');
    const port = await freePort();
    const health = `http://127.0.0.1:${port}`;
    const cfg = sim.config as { meters: Record<string, unknown>[] };
    const file = path.join(stack.dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({
      ...cfg, http: `127.0.0.1:${port}`, journal: { dir: journalDir },
      uplink: { url: ingestor.mqttUrl, username: 'gw-1', password: ingestor.passwords['gw-1'] },
      meters: cfg.meters.map((m) => ({ ...m, intervalMs: 1000 })),
    }));
    const bare = startChild(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    children.push(bare);
    const gw = startChild(process.execPath, [...nodeFlags, bundle, 'gateway', 'run', '-c', file], { env: { ...process.env, ZM_LOG_LEVEL: 'warn' } });
    children.push(gw);
    await sleep(warmupS * 1000);
    if (!alive(gw)) throw new Error(`gateway exited:\n${gw.tail()}`);

    const seq0 = await lastSeq(health);
    const w0 = ioWriteBytes(gw.pid);
    const t0 = Date.now();
    const [[g, b], usage] = await Promise.all([sample([gw.pid, bare.pid], windowS * 1000), measureProcess(gw.pid, windowS * 1000)]);
    // Counted apart from the RSS window: ptrace slows the traced process's system calls.
    const calls = await syncCalls(gw.pid, windowS * 1000);
    const minutes = (Date.now() - t0) / 60_000;
    const seq1 = await lastSeq(health);
    const w1 = ioWriteBytes(gw.pid);
    await gw.stop();
    const readings = seq1 - seq0;
    const j = journalBytes(journalDir);
    const gwRss = median(g!.rss);
    const bareRss = median(b!.rss);
    return {
      gateway: `dist bundle (scripts/build.sh), node ${process.version}${nodeFlags.length ? ` ${nodeFlags.join(' ')}` : ''}`,
      meters: cfg.meters.length,
      warmup_s: warmupS, window_s: windowS,
      rss_mb: round(gwRss), rss_min_mb: round(Math.min(...g!.rss)), rss_max_mb: round(Math.max(...g!.rss)),
      bare_node_rss_mb: round(bareRss),
      rss_above_bare_node_mb: round(gwRss - bareRss),
      ratio_to_bare_node: round(gwRss / bareRss, 2),
      cpu_pct: usage.cpuPct,
      target_rss: '≤ 64 MB, ≤ 1.65 × bare node',
      readings_per_s: round(readings / (minutes * 60), 1),
      journal_bytes_per_reading: j.perReading,
      journal_bytes_per_three_phase_reading: j.perThreePhase,
      disk_write_bytes_per_reading: round((w1 - w0) / readings, 1),
      fsyncs_per_min: calls ? round((calls.fsync! + calls.fdatasync!) / (windowS / 60), 1) : 'not measured (no strace)',
      cursor_writes_per_min: calls ? round(calls.rename! / (windowS / 60), 1) : 'not measured (no strace)',
      target_wear: '≤ 100 journal bytes per three-phase reading',
      loadavg_1m: round(os.loadavg()[0]!, 2),
    };
  } finally {
    for (const c of children.reverse()) await c.stop();
    await stack.close();
    build.remove();
  }
}

if (isMain(import.meta.url)) {
  const [w, s, ...flags] = process.argv.slice(2);
  const warmup = Number(w ?? 30);
  const window = Number(s ?? 60);
  printFigures('footprint and wear: gateway run on the demo building (22 meters, 1 s) beside bare node',
    await run(warmup > 0 ? warmup : 30, window > 0 ? window : 60, flags.length ? flags.filter((f) => f !== '--') : GATEWAY_NODE_FLAGS));
}
