import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topics } from '../../core/wire.ts';
import type { GatewayConfig } from '../config.ts';
import type { Journal } from '../journal/types.ts';
import type { AckWindow } from './ack-window.ts';
import { cutBatch } from './batch.ts';
import type { BatchBudget } from './budget.ts';
import type { UplinkStats } from './stats.ts';

export interface PumpDeps {
  journal: Journal;
  window: AckWindow;
  budget: BatchBudget;
  stats: UplinkStats;
  log: Logger;
  now: () => number;
  /** Times the ack window (timeouts): a monotonic clock, so a wall-clock step neither fires nor stalls them. */
  mono?: () => number;
  /** The gateway's stream id, sent with every batch (core BatchSchema.stream). */
  stream?: string;
  /** The client to publish with while the connection is up; null stops the pump. */
  client: () => MqttClient | null;
  /** Go back to the acked seq and send everything unacked again. */
  restart: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Moves journal records into batches on the wire while the ack window has room, and waits for
 * new records otherwise. One pump runs at a time; a second start() while it runs is a no-op, and
 * the running one picks up whatever made the caller start it.
 */
export class Pump {
  private running = false;
  private readonly cfg: GatewayConfig['uplink'];

  constructor(private readonly config: GatewayConfig, private readonly deps: PumpDeps) {
    this.cfg = config.uplink;
  }

  start(): void {
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { journal, window, stats, log, now } = this.deps;
    const mono = this.deps.mono ?? (() => performance.now());
    try {
      for (let client = this.deps.client(); client; client = this.deps.client()) {
        const late = window.timedOut(mono(), this.cfg.ackTimeoutMs);
        if (late) {
          log.warn({ seq: late.lastSeq }, 'ack timed out; resending from the cursor');
          this.deps.restart();
        }
        if (window.size >= this.cfg.window) {
          await sleep(50);
          continue;
        }
        const epoch = window.epoch;
        const budget = this.deps.budget.bytes();
        const records = await journal.read(window.sentUpTo, this.cfg.batch.maxReadings, budget);
        // A reconnect or ack timeout while reading moved the cursor back: sending these records now
        // would put a batch after a gap, and its ack would release the gap from the journal unsent.
        // The connection may also have closed (or been replaced) while the read waited.
        if (epoch !== window.epoch || client !== this.deps.client()) continue;
        if (records.length === 0) {
          await journal.waitForRecords(window.sentUpTo, 200);
          continue;
        }
        // Live data: hold a short partial batch until it is maxAgeMs old, so a second of readings
        // travels as one batch; a backlog fills whole batches and goes at once.
        const first = records[0]!;
        const age = now() - first.reading.ts;
        if (records.length < this.cfg.batch.maxReadings && age < this.cfg.batch.maxAgeMs && window.size > 0) {
          await sleep(Math.min(this.cfg.batch.maxAgeMs - age, 200));
          continue;
        }
        const { payload, count, splits } = cutBatch(this.config.site, this.config.gateway, Math.max(0, Math.round(now())), records, budget, this.deps.stream);
        stats.splits += splits;
        const last = records[count - 1]!;
        window.sent(first.seq, last.seq, Buffer.byteLength(payload), mono());
        stats.inFlight = window.size;
        stats.batchesSent++;
        // Not awaited: the PUBACK only says the broker has it; the ingestor's ack is what counts.
        client.publish(topics.batch(this.config.site, this.config.gateway), payload, { qos: 1 }, (err) => {
          if (err) log.debug({ err: err.message, seq: last.seq }, 'batch publish failed');
        });
        // Let polling and acks run between batches during a replay.
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      stats.lastError = (err as Error).message;
      log.error({ err }, 'uplink pump failed');
    } finally {
      this.running = false;
    }
  }
}
