import type { MessageBus } from '../broker/bus.ts';
import type { Directory } from '../ingest/directory.ts';
import type { IngestPipeline } from '../ingest/pipeline.ts';
import type { Quarantine } from '../ingest/quarantine.ts';
import type { LiveHub } from '../live/hub.ts';
import type { InfluxClient } from '../store/influx.ts';
import type { PointWriter } from '../store/writer.ts';
import type { UsageHealth } from '../usage/service.ts';

/** What route plugins reach: the ingestor's parts, never its config file or process. */
export interface ApiContext {
  influx: InfluxClient;
  writer: PointWriter;
  directory: Directory;
  quarantine: Quarantine;
  pipeline: IngestPipeline;
  live: LiveHub;
  bus: MessageBus;
  token: string | undefined;
  metrics(): string;
  /** Usage derivation: degraded while a meter waits for a retry after a failure. */
  usage(): UsageHealth;
  now(): number;
}
