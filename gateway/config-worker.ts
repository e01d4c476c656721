import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ZmError, type ErrorCode } from '../core/errors.ts';
import type { GatewayConfig } from './config.ts';
import type { ConfigFinding } from './poll/config-checks.ts';

export interface LoadedConfig {
  config: GatewayConfig;
  findings: ConfigFinding[];
}

interface WorkerAnswer {
  ok?: LoadedConfig;
  error?: { code: ErrorCode; message: string; details?: string[] };
  crash?: string;
}

const TAG = 'zonemeter:gateway-config';

async function loadHere(file: string): Promise<LoadedConfig> {
  const [{ loadGatewayConfig }, { checkGatewayConfig }] = await Promise.all([import('./config.ts'), import('./poll/config-checks.ts')]);
  const config = loadGatewayConfig(file);
  return { config, findings: checkGatewayConfig(config) };
}

/**
 * Reads, validates and checks a gateway config. From the bundle it does so in a worker thread that
 * exits afterwards: the YAML parser, zod, the config schema and the model checks are needed once at
 * start, and an ES module once loaded stays in its isolate's heap for good (about 10 MB RSS of a
 * board's 64). The worker's isolate, and all of that with it, is gone when it exits. From the
 * sources (tsx, tests) the worker would lack the TypeScript loader, so it runs in this thread.
 */
export async function loadGatewayConfigApart(file: string): Promise<LoadedConfig> {
  if (import.meta.url.endsWith('.ts')) return loadHere(file);
  const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
    let got: WorkerAnswer | undefined;
    const worker = new Worker(new URL(import.meta.url), { workerData: { [TAG]: file }, stdout: false, stderr: false });
    worker.once('message', (m: WorkerAnswer) => { got = m; });
    worker.once('error', reject);
    worker.once('exit', (code) => (got ? resolve(got) : reject(new Error(`config worker exited with code ${code} and no answer`))));
  });
  if (answer.error) throw new ZmError(answer.error.code, answer.error.message, answer.error.details ? { details: answer.error.details } : {});
  if (answer.crash !== undefined) throw new Error(answer.crash);
  return interned(answer.ok!);
}

/**
 * The answer with equal strings made one. Structured cloning gives every string value its own copy,
 * so 500 meters kept 500 each of "administrative", "lighting_sockets", "SDM630", "127.0.0.1" and
 * the like for the process's life.
 */
export function interned<T>(value: T, seen = new Map<string, string>()): T {
  if (typeof value === 'string') {
    const had = seen.get(value);
    if (had !== undefined) return had as T;
    seen.set(value, value);
    return value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = interned(value[i], seen);
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = interned(o[k], seen);
  }
  return value;
}

// The worker's side: this same module, started by loadGatewayConfigApart with the file to read.
if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[TAG]) {
  const port = parentPort;
  const file = (workerData as Record<string, string>)[TAG]!;
  loadHere(file).then(
    (ok) => port.postMessage({ ok } satisfies WorkerAnswer),
    (err: unknown) => port.postMessage(err instanceof ZmError
      ? { error: { code: err.code, message: err.message, ...(err.details ? { details: [...err.details] } : {}) } } satisfies WorkerAnswer
      : { crash: (err as Error)?.stack ?? String(err) } satisfies WorkerAnswer),
  );
}
