import type { Logger } from 'pino';
import type { Directory } from '../ingest/directory.ts';
import type { InfluxClient } from '../store/influx.ts';
import { PlatformCodec, parseKey } from '../../core/platform/codec.ts';
import type { PlatformConfig } from './config.ts';
import { Periods } from './periods.ts';
import { BuildingReporter, type BuildingStatus, type Counters } from './reporter.ts';
import { StateFile } from './state.ts';

export type { BuildingStatus } from './reporter.ts';

export interface PlatformStatus {
  id: string;
  host: string;
  port: number;
  dialect: string;
  periodMin: number;
  /** Every building's connection is up / authenticated. */
  connected: boolean;
  authenticated: boolean;
  /** The most recent error of any building, with its building. */
  lastError: string | null;
  lastErrorAt: number | null;
  lastAckAt: number | null;
  counters: Counters;
  buildings: BuildingStatus[];
}

export interface PlatformServiceDeps {
  influx: InfluxClient;
  directory: Directory;
  dataDir: string;
  utcOffsetHours: number;
  now(): number;
  log: Logger;
  pollMs?: number;
}

interface Platform {
  cfg: PlatformConfig;
  reporters: BuildingReporter[];
}

/** Every configured platform, one collector session per mapped building, and their state for the API and /metrics. */
export class PlatformService {
  private readonly platforms: Platform[];

  constructor(configs: readonly PlatformConfig[], deps: PlatformServiceDeps) {
    const meters = (site: string, building: string) => deps.directory.allMeters().filter((m) => m.site === site && m.building === building);
    this.platforms = configs.map((cfg) => {
      const shared = {
        codec: new PlatformCodec({ dialect: cfg.dialect, key: parseKey(cfg.key)!, iv: parseKey(cfg.iv)!, padding: cfg.padding, framing: cfg.framing, maxFrameBytes: cfg.maxFrameBytes, maxMeters: cfg.maxMeters }),
        periods: new Periods(cfg.periodMin, deps.utcOffsetHours),
        state: new StateFile(deps.dataDir, cfg.id),
        rate: { lastContinuousAt: 0 },
      };
      return { cfg, reporters: cfg.buildings.map((b) => new BuildingReporter(cfg, b, shared, { ...deps, meters })) };
    });
  }

  start(): void {
    for (const p of this.platforms) for (const r of p.reporters) r.start();
  }

  async close(): Promise<void> {
    await Promise.all(this.platforms.flatMap((p) => p.reporters.map((r) => r.close())));
  }

  status(): PlatformStatus[] {
    return this.platforms.map(({ cfg, reporters }) => {
      const buildings = reporters.map((r) => r.snapshot());
      const latest = buildings.filter((b) => b.lastErrorAt !== null).sort((a, b) => b.lastErrorAt! - a.lastErrorAt!)[0];
      const acks = buildings.map((b) => b.lastAckAt).filter((t): t is number => t !== null);
      const counters = { connects: 0, sent: 0, acked: 0, refused: 0, heartbeats: 0, errors: 0 };
      for (const b of buildings) for (const k of Object.keys(counters) as (keyof Counters)[]) counters[k] += b.counters[k];
      return {
        id: cfg.id, host: cfg.host, port: cfg.port, dialect: cfg.dialect, periodMin: cfg.periodMin,
        connected: buildings.every((b) => b.connected), authenticated: buildings.every((b) => b.authenticated),
        lastError: latest ? `${latest.building}: ${latest.lastError}` : null, lastErrorAt: latest?.lastErrorAt ?? null,
        lastAckAt: acks.length ? Math.max(...acks) : null, counters, buildings,
      };
    });
  }

  /** The same state as Prometheus series (text format 0.0.4), appended to /metrics. */
  metrics(): string {
    const all = this.status();
    if (all.length === 0) return '';
    const out: string[] = [];
    const esc = (v: string) => v.replace(/["\\\n]/g, '_');
    const series = (name: string, type: 'gauge' | 'counter', help: string, rows: [Record<string, string>, number | null][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) if (v !== null) out.push(`${name}{${Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',')}} ${v}`);
    };
    const each = (f: (b: BuildingStatus) => number | null) =>
      all.flatMap((p) => p.buildings.map((b): [Record<string, string>, number | null] => [{ platform: p.id, site: b.site, building: b.building }, f(b)]));
    series('zm_platform_connected', 'gauge', 'The building\'s collector connection to the platform is up.', each((b) => (b.connected ? 1 : 0)));
    series('zm_platform_authenticated', 'gauge', 'The platform accepted the building\'s MD5 answer on the current connection.', each((b) => (b.authenticated ? 1 : 0)));
    series('zm_platform_backlog_periods', 'gauge', 'Periods ended and not yet acknowledged.', each((b) => b.backlog));
    series('zm_platform_last_acked_period_start_seconds', 'gauge', 'Start of the last acknowledged period (epoch seconds).', each((b) => (b.lastAcked === null ? null : b.lastAcked / 1000)));
    series('zm_platform_messages_total', 'counter', 'Data messages by outcome: sent, acked by the platform, refused by it.', all.flatMap((p) => p.buildings.flatMap((b) =>
      (['sent', 'acked', 'refused'] as const).map((o): [Record<string, string>, number] => [{ platform: p.id, site: b.site, building: b.building, outcome: o }, b.counters[o]]))));
    series('zm_platform_heartbeats_total', 'counter', 'Heartbeats answered by the platform.', each((b) => b.counters.heartbeats));
    series('zm_platform_errors_total', 'counter', 'Errors: sessions ended (connect, authentication, protocol, missing answer) and InfluxDB reads that failed.', each((b) => b.counters.errors));
    series('zm_platform_last_error_timestamp_seconds', 'gauge', 'When the last error happened (epoch seconds).', each((b) => (b.lastErrorAt === null ? null : b.lastErrorAt / 1000)));
    return `${out.join('\n')}\n`;
  }
}
