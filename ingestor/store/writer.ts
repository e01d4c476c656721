import type { Logger } from 'pino';
import { InfluxError } from './influx.ts';

/** Where points go: an InfluxClient, or anything that writes line protocol the same way. */
export interface LineSink {
  write(lines: readonly string[]): Promise<void>;
}

interface Pending {
  lines: string[];
  /** The point identity of each line, kept so it is worked out once per line. */
  keys: string[];
  bytes: number;
  /** Earlier writes holding points this one repeats: it fails if one of them does. */
  waitsFor: Set<Pending>;
  /** Writes in flight holding other values of points of this one: it is sent only after them, so the later value lands last. */
  after: Set<Pending>;
  /** Own lines written (or none to write). */
  written: boolean;
  /** Taken off the queue into a write request: its lines can no longer change. */
  inFlight: boolean;
  settled: boolean;
  failed: Error | null;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Thrown by write() when the queue holds its byte bound: the caller does not ack, the gateway resends later. */
export class WriterFullError extends Error {
  constructor(readonly pendingBytes: number, readonly maxBytes: number) {
    super(`InfluxDB write queue full (${pendingBytes} of ${maxBytes} bytes pending)`);
    this.name = 'WriterFullError';
  }
}

/** The writer stopped before the points were stored: nothing to ack, nothing to quarantine. */
export class WriterClosedError extends Error {
  constructor() {
    super('writer closed');
    this.name = 'WriterClosedError';
  }
}

/** Writes to InfluxDB at once (see PointWriter.kick). */
const WRITES_IN_FLIGHT = 2;

const ready = (p: Pending) => {
  for (const a of p.after) if (!a.written) return false;
  return true;
};

/**
 * A point's identity in InfluxDB: its series key (measurement and tags, up to the first unescaped
 * space) and its timestamp (after the last space). Two lines with the same identity land on the
 * same point, so only one of them needs to travel.
 */
export function pointIdentity(line: string): string {
  // Most lines escape nothing: then the series key ends at the first space, found natively.
  let i = line.indexOf('\\') === -1 ? line.indexOf(' ') : escapedSpace(line);
  if (i < 0) i = line.length;
  return `${line.slice(0, i)} ${line.slice(line.lastIndexOf(' ') + 1)}`;
}

function escapedSpace(line: string): number {
  let i = 0;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 92) i++; // backslash escapes the next character
    else if (c === 32) break;
  }
  return i;
}

export interface WriterStats {
  pointsWritten: number;
  writes: number;
  retries: number;
  pendingPoints: number;
  /** Bytes of line protocol queued or being written. */
  pendingBytes: number;
  /** Points not queued again because an identical point was already waiting. */
  duplicatesSkipped: number;
  /** Writes refused because the queue held its byte bound. */
  refusedFull: number;
  lastError: string | null;
}

/**
 * Groups the points of many batches into few InfluxDB writes (InfluxDB takes 5,000-point writes
 * far better than many small ones) and resolves each batch's promise only once its points are
 * accepted. A transient failure (network, 5xx) is retried with capped backoff, so a batch is
 * never acked before it is stored; a permanent one (4xx: the data is refused) rejects the
 * batches of that write so the caller can quarantine them.
 *
 * While InfluxDB is down, gateways resend their unacked windows on every ack timeout. A point
 * already waiting is not queued again (the resent batch waits for the first copy instead), and the
 * queue holds at most maxBytes: beyond it write() refuses at once, so the ingestor never acks what
 * it could not queue and memory stays flat however long the outage lasts.
 */
export class PointWriter {
  private queue: Pending[] = [];
  private queuedPoints = 0;
  private queuedBytes = 0;
  /** Identity → the write that carries it and the line's index there, for every point queued or being written. */
  private readonly byIdentity = new Map<string, { p: Pending; i: number }>();
  /**
   * Every write not yet settled, in the order write() accepted them. They settle strictly in that
   * order: callers ack and publish a batch once its promise resolves, and a batch reported after
   * a later one would look stale to everything that keeps only the newest reading of a meter.
   */
  private order: Pending[] = [];
  private orderHead = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  readonly stats: WriterStats = { pointsWritten: 0, writes: 0, retries: 0, pendingPoints: 0, pendingBytes: 0, duplicatesSkipped: 0, refusedFull: 0, lastError: null };

  constructor(
    private readonly influx: LineSink,
    private readonly opts: { maxPoints: number; flushMs: number; log: Logger; maxBytes?: number },
  ) {}

  /**
   * Queues lines; resolves once InfluxDB holds them. A line whose point is already queued
   * replaces the queued one (the later write wins, as in InfluxDB) and is not queued again; one
   * identical to a point being written waits for that write. `bounded` writes (gateway batches)
   * are refused with WriterFullError past maxBytes; others (derived usage) are always queued.
   */
  write(lines: string[], opts: { bounded?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    return new Promise((resolve, reject) => {
      const p: Pending = { lines: [], keys: [], bytes: 0, waitsFor: new Set(), after: new Set(), written: false, inFlight: false, settled: false, failed: null, resolve, reject };
      const own: [string, number][] = [];
      const replacements: { h: { p: Pending; i: number }; line: string }[] = [];
      const mine = new Map<string, number>();
      for (const line of lines) {
        const key = pointIdentity(line);
        const at = mine.get(key);
        if (at !== undefined) {
          p.bytes += line.length - p.lines[at]!.length;
          p.lines[at] = line;
          continue;
        }
        const h = this.byIdentity.get(key);
        if (h && (!h.p.inFlight || h.p.lines[h.i] === line)) {
          if (!h.p.inFlight && h.p.lines[h.i] !== line) replacements.push({ h, line });
          p.waitsFor.add(h.p);
          this.stats.duplicatesSkipped++;
          continue;
        }
        if (h) p.after.add(h.p);
        mine.set(key, p.lines.length);
        own.push([key, p.lines.length]);
        p.lines.push(line);
        p.keys.push(key);
        p.bytes += line.length + 1;
      }
      const max = opts.bounded ? (this.opts.maxBytes ?? Infinity) : Infinity;
      if (p.bytes > 0 && this.queuedBytes + p.bytes > max && this.queuedBytes > 0) {
        this.stats.refusedFull++;
        reject(new WriterFullError(this.queuedBytes, max));
        return;
      }
      // Accepted: newer values take the place of the queued ones, and this write waits for theirs.
      for (const { h, line } of replacements) {
        const grew = line.length - h.p.lines[h.i]!.length;
        h.p.bytes += grew;
        this.queuedBytes += grew;
        h.p.lines[h.i] = line;
      }
      this.stats.pendingBytes = this.queuedBytes;
      for (const [k, i] of own) this.byIdentity.set(k, { p, i });
      this.order.push(p);
      if (p.lines.length === 0) {
        p.written = true;
        this.settleInOrder();
        return;
      }
      this.queue.push(p);
      this.queuedPoints += p.lines.length;
      this.queuedBytes += p.bytes;
      this.stats.pendingPoints = this.queuedPoints;
      this.stats.pendingBytes = this.queuedBytes;
      if (this.queuedPoints >= this.opts.maxPoints) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.opts.flushMs);
    });
  }

  /**
   * Settles written writes from the oldest on, stopping at the first still unwritten. A loop, not a
   * chain of callbacks: a long outage can leave many thousands of writes waiting on one another.
   * Every write a write waits for was accepted before it, so it has settled by the time it is
   * reached, and a failure there is known.
   */
  private settleInOrder(): void {
    while (this.orderHead < this.order.length) {
      const p = this.order[this.orderHead]!;
      if (!p.written) break;
      this.orderHead++;
      let failed = p.failed;
      if (!failed) for (const h of p.waitsFor) if (h.failed) { failed = h.failed; break; }
      p.settled = true;
      p.waitsFor.clear();
      p.after.clear();
      if (failed) {
        p.failed = failed;
        p.reject(failed);
      } else p.resolve();
    }
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderHead = 0;
    }
  }

  private release(group: Pending[], points: number, err: Error | null): void {
    this.queuedPoints -= points;
    this.queuedBytes -= group.reduce((n, p) => n + p.bytes, 0);
    this.stats.pendingPoints = this.queuedPoints;
    this.stats.pendingBytes = this.queuedBytes;
    for (const p of group) {
      for (const key of p.keys) if (this.byIdentity.get(key)?.p === p) this.byIdentity.delete(key);
      p.written = true;
      p.failed = err;
    }
    this.settleInOrder();
  }

  /**
   * Starts writes while fewer than WRITES_IN_FLIGHT run: influxd takes two concurrent writes in
   * about the time of one (it parses and indexes them on separate cores), and one at a time left
   * it waiting on the ingestor and the ingestor waiting on it. A write holding a new value of a
   * point still in flight waits for that write, so the later value always lands last.
   */
  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.running.size < WRITES_IN_FLIGHT && this.queue.length > 0 && ready(this.queue[0]!)) {
      const group: Pending[] = [];
      let points = 0;
      while (this.queue.length > 0 && ready(this.queue[0]!) && (group.length === 0 || points + this.queue[0]!.lines.length <= this.opts.maxPoints)) {
        const p = this.queue.shift()!;
        p.inFlight = true;
        group.push(p);
        points += p.lines.length;
      }
      const w: Promise<void> = this.writeGroup(group, points).finally(() => {
        this.running.delete(w);
        if (this.queue.length > 0) this.kick();
      });
      this.running.add(w);
    }
  }

  private async writeGroup(group: Pending[], points: number): Promise<void> {
    let delay = 100;
    for (;;) {
      try {
        await this.influx.write(group.flatMap((p) => p.lines));
        this.stats.writes++;
        this.stats.pointsWritten += points;
        this.stats.lastError = null;
        this.release(group, points, null);
        return;
      } catch (err) {
        this.stats.lastError = (err as Error).message;
        if ((err instanceof InfluxError && err.permanent) || this.closed) {
          this.release(group, points, this.closed ? new WriterClosedError() : err as Error);
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
    const left = this.queue.splice(0);
    this.release(left, left.reduce((n, p) => n + p.lines.length, 0), new WriterClosedError());
    await Promise.allSettled([...this.running]);
  }
}
