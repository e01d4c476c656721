// Shared by the benches: figures, printing, process sampling from /proc, child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type Figures = Record<string, number | string>;

/** True when the importing module is the script node was started with. */
export function isMain(url: string): boolean {
  return !!process.argv[1] && url === pathToFileURL(path.resolve(process.argv[1])).href;
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function printFigures(name: string, figures: Figures): void {
  const w = Math.max(...Object.keys(figures).map((k) => k.length));
  console.log(`\n${name}`);
  for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(w)}  ${typeof v === 'number' ? v.toLocaleString('en') : v}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// proc(5): utime and stime are fields 14 and 15, counted in clock ticks (USER_HZ, 100 on Linux).
const TICKS_PER_SEC = 100;

/** CPU seconds (user and system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  return cpuTicks(pid) / TICKS_PER_SEC;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface ProcessUsage {
  /** Percent of one core over the window. */
  cpuPct: number;
  rssMb: number;
  rssMaxMb: number;
}

/** CPU over `ms` from /proc/PID/stat, RSS sampled every second from /proc/PID/status. */
export async function measureProcess(pid: number, ms: number): Promise<ProcessUsage> {
  const t0 = process.hrtime.bigint();
  const c0 = cpuTicks(pid);
  const rss: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(Math.min(1000, end - Date.now()));
    rss.push(rssMb(pid));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = (cpuTicks(pid) - c0) / TICKS_PER_SEC;
  return {
    cpuPct: round((100 * cpu) / seconds, 2),
    rssMb: round(rss.reduce((a, b) => a + b, 0) / rss.length),
    rssMaxMb: round(Math.max(...rss)),
  };
}

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** The last lines of its stdout and stderr, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

/** Spawns a process that is killed (TERM, then KILL after 5 s) by stop(). */
export function startChild(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {}): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      opts.onLine?.(line);
      lines.push(line);
      if (lines.length > 30) lines.shift();
    }
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.once('error', () => undefined);
  return {
    proc,
    pid: proc.pid ?? -1,
    tail: () => lines.join('\n'),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function alive(child: Child): boolean {
  return child.proc.exitCode === null && child.proc.signalCode === null;
}

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const ZONEMETER = path.join(REPO, 'bin/zonemeter.js');

/** Rejects when `p` takes longer than `ms`, so a bench never hangs on an answer that never comes. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export const BUNDLE = path.join(REPO, 'dist/zonemeter.mjs');

/**
 * Runs `npm run build` (scripts/build.sh) so a bench measures the artefact a board runs, fresh from
 * the sources. With `out`, builds there instead of dist/ (so a bench does not rebuild what another
 * process is running) and links the clone's node_modules beside it, as a board installs them.
 */
export async function buildBundle(out?: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => {
    execFile('bash', [path.join(REPO, 'scripts/build.sh'), ...(out ? [out] : [])], { cwd: REPO }, (err, _out, stderr) => (err ? reject(new Error(`build failed: ${stderr}`)) : resolve()));
  });
  if (!out) return BUNDLE;
  const { symlinkSync } = await import('node:fs');
  symlinkSync(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'));
  return path.join(out, 'zonemeter.mjs');
}
