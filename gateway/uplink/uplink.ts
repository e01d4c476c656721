import type { Logger } from 'pino';
import type { Manifest, Status } from '../../core/index.ts';
import { topics } from '../../core/wire.ts';
import { parseAck, parseLimits } from './wire-parse.ts';
import type { GatewayConfig } from '../config.ts';
import type { Journal } from '../journal/types.ts';
import { AckWindow } from './ack-window.ts';
import { BatchBudget } from './budget.ts';
import { UplinkConnection } from './connection.ts';
import { Pump } from './pump.ts';
import { emptyStats, type UplinkStats } from './stats.ts';
import { TimeProbe, isProbeSeq, type ProbeClock } from './time-probe.ts';

export type { UplinkState, UplinkStats } from './stats.ts';

export interface UplinkDeps {
  journal: Journal;
  log: Logger;
  manifest: () => Manifest;
  status: (state: 'online' | 'offline') => Status;
  now?: () => number;
  /** Backoff bounds for reconnects, ms. */
  backoff?: { minMs: number; maxMs: number };
  /** Monotonic ms for ack timeouts (default performance.now). */
  mono?: () => number;
  /** The gateway's clock: the uplink asks the ingestor for its time while the clock wants it. */
  clock?: ProbeClock;
  /** The journal's stream id, sent with every batch so the ingestor can check reading order. */
  stream?: string;
}

const PROBE_INTERVAL_MS = 5000;

/**
 * Streams the journal to the ingestor over MQTT. A batch is a run of consecutive journal records;
 * its seq is the last record's seq. Records leave the journal only when the ingestor acks, and
 * only as a contiguous prefix, so an ack arriving out of order never skips unsent data. After a
 * reconnect or an ack timeout everything unacked is sent again from the cursor (go-back-N): the
 * ingestor's writes are idempotent, so a resend overwrites itself.
 *
 * The pieces: UplinkConnection (connect, set up, reconnect), AckWindow (what is in flight and
 * what an ack releases), BatchBudget (how large a batch may be), Pump (journal to wire). This
 * class joins them and handles the two messages the ingestor sends: acks and limits.
 */
export class Uplink {
  readonly stats: UplinkStats;
  private readonly window = new AckWindow();
  private readonly budget: BatchBudget;
  private readonly connection: UplinkConnection;
  private readonly pump: Pump;
  private readonly now: () => number;
  private readonly mono: () => number;
  private readonly cfg: GatewayConfig['uplink'];
  private readonly probe: TimeProbe | null;
  private probeTimer: NodeJS.Timeout | null = null;

  constructor(private readonly config: GatewayConfig, private readonly deps: UplinkDeps) {
    this.now = deps.now ?? Date.now;
    this.mono = deps.mono ?? (() => performance.now());
    this.cfg = config.uplink;
    this.probe = deps.clock ? new TimeProbe(deps.clock, { intervalMs: PROBE_INTERVAL_MS, timeoutMs: this.cfg.ackTimeoutMs, log: deps.log }) : null;
    this.stats = emptyStats(this.cfg.batch.maxBytes);
    this.budget = new BatchBudget(this.cfg.batch.maxBytes);
    this.connection = new UplinkConnection(config, {
      log: deps.log, stats: this.stats, manifest: deps.manifest, status: deps.status, now: this.now,
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
      onOnline: () => {
        this.restartFromCursor();
        this.probe?.reset();
        this.askTime();
        this.pump.start();
      },
      onMessage: (topic, payload) => this.onMessage(topic, payload),
      onLost: () => this.onLost(),
    });
    this.pump = new Pump(config, {
      journal: deps.journal, window: this.window, budget: this.budget, stats: this.stats, log: deps.log, now: this.now,
      mono: this.mono, ...(deps.stream ? { stream: deps.stream } : {}),
      client: () => this.connection.client,
      restart: () => this.restartFromCursor(),
    });
  }

  start(): void {
    this.connection.start();
    if (this.probe) {
      this.probeTimer = setInterval(() => this.askTime(), 1000);
      this.probeTimer.unref();
    }
  }

  /** Sends a time probe when the clock wants the ingestor's time and one is due. */
  private askTime(): void {
    const client = this.connection.client;
    const payload = client && this.probe?.due(this.config.site, this.config.gateway);
    if (!client || !payload) return;
    client.publish(topics.batch(this.config.site, this.config.gateway), payload, { qos: 1 }, (err) => {
      if (err) this.deps.log.debug({ err: err.message }, 'time probe publish failed');
    });
  }

  publishStatus(): void {
    this.connection.publishStatus();
  }

  stop(): Promise<void> {
    if (this.probeTimer) clearInterval(this.probeTimer);
    return this.connection.stop();
  }

  private restartFromCursor(): void {
    const resent = this.window.restart(this.deps.journal.stats().ackedSeq);
    if (resent) this.stats.resends += resent;
    this.stats.inFlight = 0;
  }

  // A broker drops the connection over a packet larger than it takes. When the connection went
  // down with a large batch unacked, the next connection sends batches half that size, so a
  // batch refused for size is split rather than sent whole again and again.
  // Only batches sent just before the close count: a broker refuses as soon as it reads the
  // header, while a link that drops at some random moment says nothing about size.
  private onLost(): void {
    const largest = this.window.largestRecentUnacked(this.mono(), 2000);
    const cap = this.budget.closedWith(largest);
    if (cap !== null) this.deps.log.warn({ unackedBytes: largest, maxBatchBytes: cap }, 'uplink closed with a large batch unacked; sending smaller batches');
    this.stats.maxBatchBytes = this.budget.bytes();
  }

  private onMessage(topic: string, payload: Buffer): void {
    const { site, gateway } = this.config;
    if (topic === topics.limits(site, gateway)) this.onLimits(payload);
    else if (topic === topics.ack(site, gateway)) this.onAck(payload);
  }

  private onLimits(payload: Buffer): void {
    const l = parseLimits(payload);
    if (!l.ok) {
      this.deps.log.warn({ error: l.error }, 'limits refused');
      return;
    }
    this.budget.brokerMaxPacketBytes = this.stats.brokerMaxPacketBytes = l.value.max_packet_bytes;
    this.stats.maxBatchBytes = this.budget.bytes();
    if (this.cfg.batch.maxBytes > this.stats.maxBatchBytes) {
      this.deps.log.warn({ configured: this.cfg.batch.maxBytes, brokerMaxPacketBytes: l.value.max_packet_bytes, using: this.stats.maxBatchBytes },
        'uplink.batch.maxBytes is above what the broker takes; sending smaller batches');
    }
  }

  private onAck(payload: Buffer): void {
    const r = parseAck(payload);
    if (!r.ok) {
      this.deps.log.warn({ error: r.error }, 'ack refused');
      return;
    }
    const ack = r.value;
    if (isProbeSeq(ack.seq)) {
      this.probe?.onAck(ack);
      return;
    }
    const released = this.window.ack(ack.seq);
    if (!released) return; // an ack for a batch of an earlier connection, already resent
    this.stats.batchesAcked++;
    this.budget.passed(released.batch.bytes);
    this.stats.maxBatchBytes = this.budget.bytes();
    this.stats.lastAckAt = this.now();
    if (ack.status === 'quarantined') {
      this.stats.quarantinedAcks++;
      this.deps.log.warn({ seq: ack.seq, reason: ack.reason, quarantined: ack.quarantined }, 'ingestor quarantined readings');
    }
    this.stats.readingsAcked += released.readings;
    if (released.upTo !== null) this.deps.journal.ack(released.upTo);
    this.stats.inFlight = this.window.size;
    this.pump.start();
  }
}
