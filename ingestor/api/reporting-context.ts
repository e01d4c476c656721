import type { Directory } from '../ingest/directory.ts';
import type { LiveHub } from '../live/hub.ts';
import type { ConflictMonitor } from '../registry/monitor.ts';
import type { Registry } from '../registry/schema.ts';
import type { InfluxClient } from '../store/influx.ts';
import type { TotalsCache } from '../reports/totals.ts';

/** What the usage, sites, indicator, coverage and report routes reach. */
export interface ReportingContext {
  influx: InfluxClient;
  /** Per-meter usage totals of a period, kept while no usage of their months changed. */
  totals: TotalsCache;
  directory: Directory;
  live: LiveHub;
  now(): number;
  /** null when the config names no registry: sites, indicators and reports then answer 404. */
  registry: Registry | null;
  conflicts: ConflictMonitor | null;
  /** Hours the rollups' local day is ahead of UTC (config utcOffsetHours). */
  utcOffsetHours: number;
}
