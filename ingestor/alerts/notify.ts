import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebhookConfig } from './config.ts';
import { buildRequest } from './messages.ts';
import type { Transition } from './store.ts';

interface Job { t: Transition; delivery: string; attempts: number }

export interface ChannelCounters { sent: number; failed: number; retries: number; dropped: number; queued: number }

/**
 * One receiver: a bounded queue and one sender. A message is retried with doubling backoff up to
 * maxAttempts, then given up and counted. enqueue() never waits, whatever the receiver does: a
 * slow or failing receiver only lets its own queue fill, and beyond maxQueue the oldest waiting
 * message is dropped and counted, so ingest and evaluation never block on it and memory stays flat.
 */
class Channel {
  readonly counters: ChannelCounters = { sent: 0, failed: 0, retries: 0, dropped: 0, queued: 0 };
  private readonly queue: Job[] = [];
  private running = false;
  private readonly abort = new AbortController();
  private wait: { timer: NodeJS.Timeout; done(): void } | null = null;
  idle: Promise<void> = Promise.resolve();

  constructor(readonly cfg: WebhookConfig, private readonly log: Logger, private readonly offsetHours: number, private readonly now: () => number) {}

  wants(t: Transition): boolean {
    return this.cfg.events.includes(t.event) && (!this.cfg.rules || this.cfg.rules.includes(t.alert.rule)) && (!this.cfg.sites || this.cfg.sites.includes(t.alert.site));
  }

  enqueue(t: Transition): void {
    if (this.abort.signal.aborted) return;
    if (this.queue.length >= this.cfg.maxQueue) {
      this.queue.shift();
      this.counters.dropped++;
    }
    this.queue.push({ t, delivery: randomUUID(), attempts: 0 });
    this.counters.queued = this.queue.length;
    if (!this.running) this.idle = this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length && !this.abort.signal.aborted) {
        const job = this.queue[0]!;
        job.attempts++;
        const error = await this.send(job);
        if (this.abort.signal.aborted) break;
        if (error === null) {
          this.counters.sent++;
        } else if (job.attempts >= this.cfg.maxAttempts) {
          this.counters.failed++;
          this.log.warn({ webhook: this.cfg.id, alert: job.t.alert.id, attempts: job.attempts, error }, 'alert notification given up');
        } else {
          this.counters.retries++;
          await this.sleep(Math.min(this.cfg.backoffMs * 2 ** (job.attempts - 1), this.cfg.maxBackoffMs));
          continue;
        }
        // The head may have been dropped by the bound while it was in flight.
        if (this.queue[0] === job) this.queue.shift();
        this.counters.queued = this.queue.length;
      }
    } finally {
      this.running = false;
      this.counters.queued = this.queue.length;
    }
  }

  /** null when the receiver took it; else what went wrong. */
  private async send(job: Job): Promise<string | null> {
    const req = buildRequest(this.cfg, job.t.event, job.t.alert, { now: this.now(), delivery: job.delivery, offsetHours: this.offsetHours });
    try {
      const res = await fetch(req.url, {
        method: 'POST', headers: req.headers, body: req.body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.cfg.timeoutMs)]),
      });
      const text = await res.text();
      if (!res.ok) return `HTTP ${res.status}: ${text.slice(0, 200)}`;
      // The robots answer 200 with an errcode: 0 is taken, anything else (rate limit, bad sign) is not.
      if (this.cfg.type !== 'generic') {
        let errcode: unknown = 0;
        try {
          errcode = (JSON.parse(text) as { errcode?: unknown }).errcode ?? 0;
        } catch {
          return `not JSON: ${text.slice(0, 200)}`;
        }
        if (errcode !== 0) return `errcode ${String(errcode)}: ${text.slice(0, 200)}`;
      }
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wait = null; resolve(); }, ms);
      this.wait = { timer, done: resolve };
    });
  }

  async close(): Promise<void> {
    this.abort.abort();
    if (this.wait) {
      clearTimeout(this.wait.timer);
      this.wait.done();
    }
    await this.idle;
  }
}

/** Sends alert transitions to every configured webhook that wants them. */
export class Notifier {
  private readonly channels: Channel[];

  constructor(webhooks: readonly WebhookConfig[], log: Logger, opts: { offsetHours: number; now?: () => number }) {
    this.channels = webhooks.map((w) => new Channel(w, log, opts.offsetHours, opts.now ?? Date.now));
  }

  notify(transitions: readonly Transition[]): void {
    for (const t of transitions) for (const c of this.channels) if (c.wants(t)) c.enqueue(t);
  }

  counters(): { id: string; type: string; counters: ChannelCounters }[] {
    return this.channels.map((c) => ({ id: c.cfg.id, type: c.cfg.type, counters: c.counters }));
  }

  /** Resolves once every queue is empty or given up (tests). */
  async drained(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.idle));
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.close()));
  }
}
