import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { inject } from 'vitest';
import { parseConfig } from '../../core/index.ts';
import { build as buildGateway, type Gateway } from '../../gateway/app.ts';
import { GatewayConfigSchema, type GatewayConfig } from '../../gateway/config.ts';
import { build as buildIngestor, type Ingestor } from '../../ingestor/app.ts';
import { IngestorConfigSchema, type IngestorConfig } from '../../ingestor/config.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';

/** A temp folder removed by the returned function. */
export function tempDir(prefix = 'zm-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger tests can read: every JSON line is kept in `lines`. */
export function memoryLogger(level = 'info'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } });
  return { log, lines };
}

export function uniqueDb(prefix = 'zm'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

export interface TestIngestor {
  ingestor: Ingestor;
  config: IngestorConfig;
  url: string;
  mqttUrl: string;
  /** Credentials of the gateways it knows, by gateway id. */
  passwords: Record<string, string>;
  close(): Promise<void>;
}

/**
 * An ingestor on free loopback ports (MQTT and HTTP), with its own database on the run's influxd
 * and its own data dir. `gateways` are [site, id] pairs given password `pw-{id}`.
 */
export async function startTestIngestor(opts: { gateways?: [string, string][]; config?: Record<string, unknown>; log?: Logger } = {}): Promise<TestIngestor> {
  const tmp = tempDir('zm-ingestor-');
  const gateways = opts.gateways ?? [['site-a', 'gw-1']];
  const passwords: Record<string, string> = {};
  const creds = [];
  for (const [site, id] of gateways) {
    passwords[id] = `pw-${id}`;
    creds.push({ id, site, passwordHash: await hashPassword(passwords[id]) });
  }
  const config = parseConfig(IngestorConfigSchema, {
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    influx: { url: inject('influxUrl'), database: uniqueDb(), flushMs: 10 },
    dataDir: tmp.dir,
    gateways: creds,
    ...opts.config,
  }, 'test ingestor');
  const ingestor = await buildIngestor(config, { log: opts.log ?? pino({ level: 'silent' }) });
  const url = await ingestor.listen();
  return {
    ingestor, config, url, passwords,
    mqttUrl: `mqtt://127.0.0.1:${ingestor.broker?.port}`,
    async close() {
      await ingestor.close();
      tmp.remove();
    },
  };
}

export interface TestGateway {
  gateway: Gateway;
  config: GatewayConfig;
  healthUrl: string;
  close(): Promise<void>;
}

/** A gateway with a temp journal and a free health port, from a partial config. */
export async function startTestGateway(partial: Record<string, unknown>, opts: { log?: Logger; journalDir?: string } = {}): Promise<TestGateway> {
  const tmp = opts.journalDir ? null : tempDir('zm-journal-');
  const config = parseConfig(GatewayConfigSchema, {
    http: '127.0.0.1:0',
    journal: { dir: opts.journalDir ?? tmp!.dir, fsyncIntervalMs: 50 },
    ...partial,
  }, 'test gateway');
  const gateway = await buildGateway(config, { log: opts.log ?? pino({ level: 'silent' }) });
  const healthUrl = await gateway.start();
  return {
    gateway, config, healthUrl,
    async close() {
      await gateway.close();
      tmp?.remove();
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
