import type { Logger } from 'pino';
import { InfluxError } from './influx.ts';

/** Where points go: an InfluxClient, or anything that writes line protocol the same way. */
export interface LineSink {
  write(lines: readonly string[]): Promise<void>;
}

interface Pending {
  lines: string[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface WriterStats {
  pointsWritten: number;
  writes: number;
  retries: number;
  pendingPoints: number;
  lastError: string | null;
}

/**
 * Groups the points of many batches into few InfluxDB writes (InfluxDB takes 5,000-point writes
 * far better than many small ones) and resolves each batch's promise only once its points are
 * accepted. A transient failure (network, 5xx) is retried with capped backoff, so a batch is
 * never acked before it is stored; a permanent one (4xx: the data is refused) rejects the
 * batches of that write so the caller can quarantine them.
 */
export class PointWriter {
  private queue: Pending[] = [];
  private queuedPoints = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  readonly stats: WriterStats = { pointsWritten: 0, writes: 0, retries: 0, pendingPoints: 0, lastError: null };

  constructor(
    private readonly influx: LineSink,
    private readonly opts: { maxPoints: number; flushMs: number; log: Logger },
  ) {}

  write(lines: string[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('writer closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ lines, resolve, reject });
      this.queuedPoints += lines.length;
      this.stats.pendingPoints = this.queuedPoints;
      if (this.queuedPoints >= this.opts.maxPoints) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.opts.flushMs);
    });
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group: Pending[] = [];
      let points = 0;
      while (this.queue.length > 0 && (group.length === 0 || points + this.queue[0]!.lines.length <= this.opts.maxPoints)) {
        const p = this.queue.shift()!;
        group.push(p);
        points += p.lines.length;
      }
      await this.writeGroup(group, points);
    }
  }

  private async writeGroup(group: Pending[], points: number): Promise<void> {
    let delay = 100;
    for (;;) {
      try {
        await this.influx.write(group.flatMap((p) => p.lines));
        this.stats.writes++;
        this.stats.pointsWritten += points;
        this.queuedPoints -= points;
        this.stats.pendingPoints = this.queuedPoints;
        this.stats.lastError = null;
        for (const p of group) p.resolve();
        return;
      } catch (err) {
        this.stats.lastError = (err as Error).message;
        if ((err instanceof InfluxError && err.permanent) || this.closed) {
          this.queuedPoints -= points;
          this.stats.pendingPoints = this.queuedPoints;
          for (const p of group) p.reject(err as Error);
          return;
        }
        this.stats.retries++;
        this.opts.log.warn({ err, points, retryInMs: delay }, 'InfluxDB write failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** Stops accepting; writes still queued are rejected (their batches stay un-acked, so gateways resend). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const p of this.queue.splice(0)) p.reject(new Error('writer closed'));
    await this.running?.catch(() => undefined);
  }
}
