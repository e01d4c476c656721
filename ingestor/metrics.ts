import type { Directory } from './ingest/directory.ts';
import type { IngestPipeline } from './ingest/pipeline.ts';
import type { Quarantine } from './ingest/quarantine.ts';
import type { PointWriter } from './store/writer.ts';
import type { BrokerCounters } from './broker/embedded.ts';
import type { LiveHub } from './live/hub.ts';

/** Prometheus text exposition (format 0.0.4). */
export function renderMetrics(parts: { pipeline: IngestPipeline; writer: PointWriter; quarantine: Quarantine; directory: Directory; broker: BrokerCounters | null; now: number; live?: LiveHub }): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels).map(([k, val]) => `${k}="${val.replace(/["\\\n]/g, '_')}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  const c = parts.pipeline.counters;
  metric('zm_ingest_batches_total', 'counter', 'Batches processed.', [[{}, c.batches]]);
  metric('zm_ingest_readings_total', 'counter', 'Readings stored.', [[{}, c.readings]]);
  metric('zm_ingest_values_total', 'counter', 'Values stored.', [[{}, c.values]]);
  metric('zm_ingest_acks_total', 'counter', 'Acks sent to gateways.', [[{}, c.acks]]);
  metric('zm_quarantine_total', 'counter', 'Quarantine entries (one per batch and reason) kept in the data dir, by reason.', [...parts.quarantine.counts].map(([r, n]) => [{ reason: r }, n]));
  metric('zm_influx_writes_total', 'counter', 'InfluxDB write requests that succeeded.', [[{}, parts.writer.stats.writes]]);
  metric('zm_influx_write_retries_total', 'counter', 'InfluxDB writes retried after a transient failure.', [[{}, parts.writer.stats.retries]]);
  metric('zm_influx_pending_points', 'gauge', 'Points waiting for InfluxDB.', [[{}, parts.writer.stats.pendingPoints]]);
  metric('zm_influx_pending_bytes', 'gauge', 'Bytes of line protocol waiting for InfluxDB (bounded by influx.maxPendingBytes).', [[{}, parts.writer.stats.pendingBytes]]);
  metric('zm_influx_duplicate_points_skipped_total', 'counter', 'Points not queued again because the same point was already waiting.', [[{}, parts.writer.stats.duplicatesSkipped]]);
  metric('zm_influx_queue_full_total', 'counter', 'Batches left unacked because the write queue was full.', [[{}, parts.writer.stats.refusedFull]]);
  const q = parts.quarantine.usage();
  metric('zm_quarantine_stored_entries', 'gauge', 'Quarantine entries on disk (bounded by quarantine.maxEntries).', [[{}, q.entries]]);
  metric('zm_quarantine_stored_bytes', 'gauge', 'Quarantine bytes on disk (bounded by quarantine.maxBytes).', [[{}, q.bytes]]);
  metric('zm_quarantine_suppressed_total', 'counter', 'Quarantine entries counted but not stored: their gateway was over its per-minute share.', [[{}, q.suppressed]]);
  metric('zm_live_streams', 'gauge', 'Open live streams (server-sent events).', [[{}, parts.live?.subscribers() ?? 0]]);
  metric('zm_live_slow_streams_closed_total', 'counter', 'Live streams closed because their reader fell more than 1 MiB behind.', [[{}, parts.live?.droppedSlow ?? 0]]);
  metric('zm_meter_claims_refused_total', 'counter', 'Meters a manifest claimed that another gateway owns.', [[{}, c.refusedClaims]]);
  metric('zm_gateway_online', 'gauge', 'Gateway reports itself online.', parts.directory.allGateways().map((g) => [{ site: g.site, gateway: g.gateway }, g.status?.state === 'online' ? 1 : 0]));
  metric('zm_gateway_lag_seconds', 'gauge', 'Age of the newest reading of the last batch when it arrived.', parts.directory.allGateways().filter((g) => g.lagMs !== null).map((g) => [{ site: g.site, gateway: g.gateway }, g.lagMs! / 1000]));
  if (parts.broker) {
    metric('zm_mqtt_refused_total', 'counter', 'MQTT actions refused by authentication or ACL.', [
      [{ action: 'connect' }, parts.broker.refusedConnects], [{ action: 'publish' }, parts.broker.refusedPublishes], [{ action: 'subscribe' }, parts.broker.refusedSubscribes],
      [{ action: 'connection_limit' }, parts.broker.refusedOverLimit], [{ action: 'oversize_packet' }, parts.broker.oversizePackets],
      [{ action: 'login_rate_limit' }, parts.broker.rateLimitedConnects], [{ action: 'foreign_client_id' }, parts.broker.foreignClientIds],
    ]);
  }
  return `${out.join('\n')}\n`;
}
