import type { Logger } from 'pino';
import {
  parsePayload, parseTopic, topicFilter, topics, WIRE_VERSION, type Ack, type Batch, type Reading,
} from '../../core/index.ts';
import type { MessageBus } from '../broker/bus.ts';
import { readingLines } from '../store/points.ts';
import { WriterClosedError, WriterFullError, type PointWriter } from '../store/writer.ts';
import type { Directory, KnownMeter, RefusedClaim } from './directory.ts';
import { StreamOrder } from './order.ts';
import type { Quarantine } from './quarantine.ts';
import { parseBatch, validateBatch, type Rejected } from './validate.ts';

export interface PipelineOptions {
  maxFutureMs: number;
  maxAgeMs: number;
  now?: () => number;
}

export interface StoredReading {
  reading: Reading;
  meter: KnownMeter;
}

export interface PipelineEvents {
  /** Readings InfluxDB has accepted, for usage derivation and the live stream. */
  onStored?: (stored: StoredReading[]) => void;
  /** A gateway's manifest claimed meters another gateway owns. */
  onRefusedClaims?: (claims: RefusedClaim[]) => void;
}

/**
 * batch → validate → InfluxDB → ack. The ack goes out only once InfluxDB has accepted the
 * batch's points; if InfluxDB stays down, no ack is sent and the gateway keeps the batch.
 */
export class IngestPipeline {
  readonly counters = { batches: 0, readings: 0, values: 0, acks: 0, invalidPayloads: 0, refusedClaims: 0, unackedFull: 0 };
  private readonly now: () => number;
  private readonly order = new StreamOrder();

  constructor(
    private readonly bus: MessageBus,
    private readonly directory: Directory,
    private readonly writer: PointWriter,
    private readonly quarantine: Quarantine,
    private readonly log: Logger,
    private readonly opts: PipelineOptions,
    private readonly events: PipelineEvents = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    await this.bus.subscribe(topicFilter('manifest'), (t, p) => this.onManifest(t, p));
    await this.bus.subscribe(topicFilter('status'), (t, p) => this.onStatus(t, p));
    await this.bus.subscribe(topicFilter('batch'), (t, p) => this.onBatch(t, p));
  }

  private async onManifest(topic: string, payload: Buffer): Promise<void> {
    const addr = parseTopic(topic);
    if (!addr || payload.length === 0) return;
    const r = parsePayload('manifest', payload);
    if (!r.ok || r.value.site !== addr.site || r.value.gateway !== addr.gateway) {
      this.log.warn({ topic, error: r.ok ? 'manifest names another gateway' : r.error }, 'manifest refused');
      return;
    }
    const { refused } = this.directory.setManifest(r.value);
    this.log.info({ site: addr.site, gateway: addr.gateway, meters: r.value.meters.length, refused: refused.length }, 'manifest');
    if (refused.length) {
      this.counters.refusedClaims += refused.length;
      this.quarantine.add({
        site: addr.site, gateway: addr.gateway, seq: null, reason: 'foreign_meter',
        detail: refused.map((c) => `manifest claims meter "${c.meter}", owned by gateway ${c.owner}`).join('; ').slice(0, 2000),
        payload: r.value.meters.filter((m) => refused.some((c) => c.meter === m.id)),
      });
      this.events.onRefusedClaims?.(refused);
    }
  }

  private async onStatus(topic: string, payload: Buffer): Promise<void> {
    const addr = parseTopic(topic);
    if (!addr || payload.length === 0) return;
    const r = parsePayload('status', payload);
    if (r.ok && r.value.site === addr.site && r.value.gateway === addr.gateway) this.directory.setStatus(r.value);
    else this.log.warn({ topic, error: r.ok ? 'status names another gateway' : r.error }, 'status refused');
  }

  async onBatch(topic: string, payload: Buffer): Promise<void> {
    const addr = parseTopic(topic);
    if (!addr) return;
    const r = parseBatch(payload);
    if (!r.ok) {
      this.counters.invalidPayloads++;
      const seq = peekSeq(payload);
      this.quarantine.add({ site: addr.site, gateway: addr.gateway, seq, reason: 'invalid_payload', detail: r.error.slice(0, 2000), payload: null, rawBytes: payload });
      // Without a seq the gateway cannot match an ack; it will retry and be quarantined again,
      // which the quarantine list shows. A gateway of ours never sends such a batch.
      if (seq !== null) await this.ack(addr.site, addr.gateway, { v: WIRE_VERSION, seq, status: 'quarantined', stored: 0, quarantined: 1, reason: `invalid_payload: ${r.error}` });
      return;
    }
    if ('probe' in r) {
      // Answered at once, outside the write path: its round trip is what the gateway's clock is set by.
      if (r.probe.site === addr.site && r.probe.gateway === addr.gateway) {
        await this.ack(addr.site, addr.gateway, { v: WIRE_VERSION, seq: r.probe.seq, status: 'ok', stored: 0, quarantined: 0 });
      } else this.log.warn({ topic }, 'time probe names another gateway; not answered');
      return;
    }
    const batch = r.batch;
    if (batch.site !== addr.site || batch.gateway !== addr.gateway) {
      const all = batch.readings.length + r.rejected.length;
      this.quarantine.add({ site: addr.site, gateway: addr.gateway, seq: batch.seq, reason: 'foreign_gateway', detail: `payload names ${batch.site}/${batch.gateway}`, payload: null, rawBytes: payload });
      await this.ack(addr.site, addr.gateway, { v: WIRE_VERSION, seq: batch.seq, status: 'quarantined', stored: 0, quarantined: all, reason: 'foreign_gateway' });
      return;
    }
    await this.storeBatch(batch, r.rejected, r.seqs);
  }

  private async storeBatch(batch: Batch, malformed: Rejected[], seqs: Map<Reading, number> | null): Promise<void> {
    const now = this.now();
    const validated = validateBatch(batch, (id) => this.directory.meter(batch.site, id), {
      now, maxFutureMs: this.opts.maxFutureMs, maxAgeMs: this.opts.maxAgeMs,
    });
    let accepted = validated.accepted;
    let refused: Rejected[] = [];
    if (batch.stream && seqs) {
      const ordered = this.order.check(batch.site, batch.gateway, batch.stream, accepted, (x) => seqs.get(x));
      accepted = ordered.kept;
      refused = ordered.refused;
    }
    // concat, not push(...)/unshift(...): a batch can hold more readings than a call takes arguments.
    const rejected = malformed.concat(validated.rejected, refused);
    const gw = this.directory.gateway(batch.site, batch.gateway);
    const { lines, series, times } = readingLines(accepted);
    let stored = accepted.length;
    try {
      await this.writer.write(lines, { bounded: true, series, times });
    } catch (err) {
      if (err instanceof WriterFullError || err instanceof WriterClosedError) {
        // Not stored and not refused: no ack, so the gateway keeps the batch and sends it again.
        this.counters.unackedFull++;
        this.log.warn({ site: batch.site, gateway: batch.gateway, seq: batch.seq, err: err.message }, 'batch not queued; left unacked for the gateway to resend');
        return;
      }
      // Only a permanent refusal gets here (the writer retries transient ones); the data itself
      // is bad for InfluxDB, e.g. a field type conflict. Keep it aside, never loop on it.
      stored = 0;
      for (const a of accepted) rejected.push({ reading: a.reading, reason: 'store_refused', detail: (err as Error).message });
    }
    this.quarantineRejected(batch, rejected);
    this.counters.batches++;
    this.counters.readings += stored;
    this.counters.values += accepted.reduce((n, a) => n + Object.keys(a.reading.values).length, 0);
    gw.batches++;
    gw.readings += stored;
    gw.lastBatchAt = now;
    gw.lastSeq = batch.seq;
    if (batch.readings.length) {
      // A loop, not Math.max(...): a batch can hold more readings than a call takes arguments.
      let newest = -Infinity;
      for (const x of batch.readings) if (x.ts > newest) newest = x.ts;
      gw.lagMs = now - newest;
    }
    if (stored > 0) this.events.onStored?.(accepted);
    const reasons = [...new Set(rejected.map((x) => x.reason))];
    await this.ack(batch.site, batch.gateway, {
      v: WIRE_VERSION, seq: batch.seq, status: rejected.length ? 'quarantined' : 'ok', stored, quarantined: rejected.length,
      ...(reasons.length ? { reason: reasons.join(',') } : {}),
    });
  }

  private quarantineRejected(batch: Batch, rejected: Rejected[]): void {
    const byReason = new Map<string, Rejected[]>();
    for (const r of rejected) {
      const group = byReason.get(r.reason);
      if (group) group.push(r);
      else byReason.set(r.reason, [r]);
    }
    for (const group of byReason.values()) {
      this.quarantine.add({
        site: batch.site, gateway: batch.gateway, seq: batch.seq, reason: group[0]!.reason,
        detail: group.length === 1 ? group[0]!.detail : `${group[0]!.detail} (and ${group.length - 1} more)`,
        payload: group.map((g) => g.reading),
      });
    }
  }

  private async ack(site: string, gateway: string, ack: Ack): Promise<void> {
    // The ingestor's time in every ack: a gateway without a trusted clock takes it from there.
    const withTime: Ack = { ...ack, time: Math.round(this.now()) };
    await this.bus.publish(topics.ack(site, gateway), JSON.stringify(withTime), { qos: 1 });
    this.counters.acks++;
  }
}

function peekSeq(payload: Buffer): number | null {
  try {
    const seq = (JSON.parse(payload.toString('utf8')) as { seq?: unknown }).seq;
    return typeof seq === 'number' && Number.isInteger(seq) && seq >= 1 ? seq : null;
  } catch {
    return null;
  }
}
