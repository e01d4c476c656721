import type { UsageService } from './service.ts';

/** The usage derivation's series in Prometheus text format, appended to the ingestor's /metrics. */
export function usageMetrics(usage: UsageService): string {
  const c = usage.counters;
  const h = usage.health();
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  metric('zm_usage_readings_total', 'counter', 'Counter readings taken in for usage derivation.', c.readings);
  metric('zm_usage_points_total', 'counter', 'Usage points written (15 min, hour, day, month).', c.points);
  metric('zm_usage_rederivations_total', 'counter', 'Meters re-derived from their stored readings.', c.rederived);
  metric('zm_usage_deferred_total', 'counter', 'Re-derivations stopped at a long gap still being filled, to be finished once the meter is quiet.', c.deferred);
  metric('zm_usage_failures_total', 'counter', 'Derivations that failed; each meter concerned is queued for re-derivation.', c.errors);
  metric('zm_usage_counter_jumps_total', 'counter', 'Counter readings refused as a step beyond the meter\'s rated maximum.', c.counterJumps);
  metric('zm_usage_failing_meters', 'gauge', 'Meters waiting for a retry after a failed derivation.', h.failing_meters);
  metric('zm_usage_pending_meters', 'gauge', 'Meters with usage not yet derived.', h.pending_meters);
  metric('zm_usage_backlog_readings', 'gauge', 'Stored counter readings whose usage is not derived yet.', h.backlog_readings);
  metric('zm_usage_backlog_seconds', 'gauge', 'Of the meters with work queued, the most time between the oldest underived reading and the newest stored one.', h.lag_seconds);
  return `${out.join('\n')}\n`;
}
