import type { Logger } from 'pino';
import type { Directory } from '../ingest/directory.ts';
import type { InfluxClient } from '../store/influx.ts';
import type { PlatformConfig } from './config.ts';
import { PlatformReporter, type PlatformStatus } from './reporter.ts';

export type { PlatformStatus } from './reporter.ts';

export interface PlatformServiceDeps {
  influx: InfluxClient;
  directory: Directory;
  dataDir: string;
  utcOffsetHours: number;
  now(): number;
  log: Logger;
  pollMs?: number;
}

/** Every configured platform's reporter, started together, and their state for the API and /metrics. */
export class PlatformService {
  private readonly reporters: PlatformReporter[];

  constructor(configs: readonly PlatformConfig[], deps: PlatformServiceDeps) {
    const meters = (site: string, building: string) => deps.directory.allMeters().filter((m) => m.site === site && m.building === building);
    this.reporters = configs.map((c) => new PlatformReporter(c, { ...deps, meters }));
  }

  start(): void {
    for (const r of this.reporters) r.start();
  }

  async close(): Promise<void> {
    await Promise.all(this.reporters.map((r) => r.close()));
  }

  status(): PlatformStatus[] {
    return this.reporters.map((r) => r.snapshot());
  }

  /** The same state as Prometheus series (text format 0.0.4), appended to /metrics. */
  metrics(): string {
    const all = this.status();
    if (all.length === 0) return '';
    const out: string[] = [];
    const esc = (v: string) => v.replace(/["\\\n]/g, '_');
    const series = (name: string, type: 'gauge' | 'counter', help: string, rows: [Record<string, string>, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) out.push(`${name}{${Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',')}} ${v}`);
    };
    const perBuilding = (f: (b: PlatformStatus['buildings'][number]) => number | null) =>
      all.flatMap((p) => p.buildings.map((b): [Record<string, string>, number | null] => [{ platform: p.id, site: b.site, building: b.building }, f(b)]))
        .filter((r): r is [Record<string, string>, number] => r[1] !== null);
    series('zm_platform_connected', 'gauge', 'TCP connection to the platform is up.', all.map((p) => [{ platform: p.id }, p.connected ? 1 : 0]));
    series('zm_platform_authenticated', 'gauge', 'The platform accepted the MD5 answer on the current connection.', all.map((p) => [{ platform: p.id }, p.authenticated ? 1 : 0]));
    series('zm_platform_backlog_periods', 'gauge', 'Periods ended and not yet acknowledged, per building.', perBuilding((b) => b.backlog));
    series('zm_platform_last_acked_period_start_seconds', 'gauge', 'Start of the last acknowledged period (epoch seconds), per building.', perBuilding((b) => (b.lastAcked === null ? null : b.lastAcked / 1000)));
    series('zm_platform_messages_total', 'counter', 'Data messages by outcome: sent, acked by the platform, refused by it.', all.flatMap((p) => [
      [{ platform: p.id, outcome: 'sent' }, p.counters.sent], [{ platform: p.id, outcome: 'acked' }, p.counters.acked], [{ platform: p.id, outcome: 'refused' }, p.counters.refused],
    ] as [Record<string, string>, number][]));
    series('zm_platform_heartbeats_total', 'counter', 'Heartbeats answered by the platform.', all.map((p) => [{ platform: p.id }, p.counters.heartbeats]));
    series('zm_platform_errors_total', 'counter', 'Sessions ended by an error (connect, authentication, protocol, missing answer).', all.map((p) => [{ platform: p.id }, p.counters.errors]));
    series('zm_platform_last_error_timestamp_seconds', 'gauge', 'When the last error happened (epoch seconds).', all.filter((p) => p.lastErrorAt !== null).map((p) => [{ platform: p.id }, p.lastErrorAt! / 1000]));
    return `${out.join('\n')}\n`;
  }
}
