import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.ts';

export interface ManagedInfluxd {
  readonly url: string;
  readonly dir: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface InfluxdOptions {
  /** Folder for config, meta, data and wal. Kept across runs when the caller wants it kept. */
  dir: string;
  port?: number;
  binary?: string;
  /** Receives influxd's stderr/stdout lines, for the caller's log. */
  onOutput?: (line: string) => void;
}

/**
 * Starts influxd (1.x) as a child process bound to loopback only. Both listeners are set:
 * the HTTP API and the top-level RPC bind-address (backup/restore), which otherwise takes :8088
 * on every interface and collides between parallel runs.
 */
export async function startInfluxd(opts: InfluxdOptions): Promise<ManagedInfluxd> {
  const binary = opts.binary ?? 'influxd';
  const port = opts.port ?? (await freePort());
  const rpcPort = await freePort();
  mkdirSync(opts.dir, { recursive: true });
  const abs = path.resolve(opts.dir);
  const config = `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${abs}/meta"
[data]
  dir = "${abs}/data"
  wal-dir = "${abs}/wal"
  query-log-enabled = false
  trace-logging-enabled = false
[coordinator]
  log-queries-after = "0s"
[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
  max-body-size = 0
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
`;
  const configPath = path.join(abs, 'influxdb.conf');
  writeFileSync(configPath, config);
  const child: ChildProcess = spawn(binary, ['run', '-config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 50) lines.shift();
      opts.onOutput?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let spawnError: Error | undefined;
  child.once('error', (err) => { spawnError = err; });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError) {
      throw new Error(`cannot start ${binary}: ${spawnError.message}` +
        ((spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? ' (install it with: apt-get install -y influxdb)' : ''));
    }
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}:\n${lines.join('\n')}`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.status === 204) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`influxd did not answer /ping within 30 s:\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    dir: abs,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function influxdInstalled(binary = 'influxd'): boolean {
  return ['/usr/bin', '/usr/local/bin', '/usr/sbin'].some((d) => existsSync(path.join(d, binary)));
}
