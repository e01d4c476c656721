import type { Logger } from 'pino';
import { InfluxError } from './influx.ts';

/** Where points go: an InfluxClient, or anything that writes line protocol the same way. */
export interface LineSink {
  write(lines: readonly Buffer[]): Promise<void>;
}

interface Pending {
  /** Line protocol, one point a line, outside the JavaScript heap (see readingLines). */
  lines: Buffer[];
  /** Each line's point identity: its series key and its timestamp (see splitIdentity). */
  series: string[];
  times: (number | string)[];
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

interface Entry {
  p: Pending;
  i: number;
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
 * same point, so only one of them needs to travel. A whole-number timestamp is a number, so it
 * matches the times callers pass with their lines (PointWriter.write's `times`).
 */
export function splitIdentity(line: string): [series: string, time: number | string] {
  // Most lines escape nothing: then the series key ends at the first space, found natively.
  let i = line.indexOf('\\') === -1 ? line.indexOf(' ') : escapedSpace(line);
  if (i < 0) i = line.length;
  const token = line.slice(line.lastIndexOf(' ') + 1);
  const t = Number(token);
  return [line.slice(0, i), /^\d+$/.test(token) && Number.isSafeInteger(t) ? t : token];
}

/** The identity as one string (tests, logs). */
export function pointIdentity(line: string): string {
  const [series, time] = splitIdentity(line);
  return `${series} ${time}`;
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

export interface WriteOptions {
  /** Refused with WriterFullError past maxBytes (gateway batches); others are always queued. */
  bounded?: boolean;
  /**
   * Each line's series key and timestamp, when the caller has them: the writer then need not
   * find them in the line. They must be what splitIdentity would find (a numeric timestamp).
   */
  series?: readonly string[];
  times?: readonly number[];
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
  /**
   * Series key → timestamp → the write that carries the point and the line's index there, for every
   * point queued or being written. Two levels, so a caller's series key (one string per meter, its
   * hash kept by the engine) and numeric time find a point without building a string per line.
   */
  private readonly byIdentity = new Map<string, Map<number | string, Entry>>();
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
  write(lines: readonly (Buffer | string)[], opts: WriteOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    const given = opts.series && opts.times && opts.series.length === lines.length && opts.times.length === lines.length ? opts : null;
    return new Promise((resolve, reject) => {
      const p: Pending = { lines: [], series: [], times: [], bytes: 0, waitsFor: new Set(), after: new Set(), written: false, inFlight: false, settled: false, failed: null, resolve, reject };
      const replacements: { h: Entry; line: Buffer }[] = [];
      // Points of writes in flight whose place this one takes; put back if it is refused.
      const displaced: { series: string; inner: Map<number | string, Entry>; t: number | string; prev: Entry }[] = [];
      for (let n = 0; n < lines.length; n++) {
        const raw = lines[n]!;
        const line = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
        let series: string;
        let t: number | string;
        if (given) {
          series = given.series![n]!;
          t = given.times![n]!;
        } else [series, t] = splitIdentity(typeof raw === 'string' ? raw : line.toString('utf8'));
        let inner = this.byIdentity.get(series);
        if (!inner) this.byIdentity.set(series, (inner = new Map()));
        const h = inner.get(t);
        if (h) {
          if (h.p === p) {
            // The same point twice in one write: the later value travels.
            p.bytes += line.length - p.lines[h.i]!.length;
            p.lines[h.i] = line;
            continue;
          }
          const same = h.p.lines[h.i]!.equals(line);
          if (!h.p.inFlight || same) {
            if (!h.p.inFlight && !same) replacements.push({ h, line });
            p.waitsFor.add(h.p);
            this.stats.duplicatesSkipped++;
            continue;
          }
          p.after.add(h.p);
          displaced.push({ series, inner, t, prev: h });
        }
        inner.set(t, { p, i: p.lines.length });
        p.lines.push(line);
        p.series.push(series);
        p.times.push(t);
        p.bytes += line.length + 1;
      }
      const max = opts.bounded ? (this.opts.maxBytes ?? Infinity) : Infinity;
      if (p.bytes > 0 && this.queuedBytes + p.bytes > max && this.queuedBytes > 0) {
        this.stats.refusedFull++;
        this.forget(p);
        for (const d of displaced) {
          d.inner.set(d.t, d.prev);
          this.byIdentity.set(d.series, d.inner);
        }
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

  /** Drops the write's points from the identity map, where it still holds them. */
  private forget(p: Pending): void {
    for (let i = 0; i < p.lines.length; i++) {
      const inner = this.byIdentity.get(p.series[i]!);
      if (!inner) continue;
      if (inner.get(p.times[i]!)?.p === p) inner.delete(p.times[i]!);
      if (inner.size === 0) this.byIdentity.delete(p.series[i]!);
    }
  }

  private release(group: Pending[], points: number, err: Error | null): void {
    this.queuedPoints -= points;
    this.queuedBytes -= group.reduce((n, p) => n + p.bytes, 0);
    this.stats.pendingPoints = this.queuedPoints;
    this.stats.pendingBytes = this.queuedBytes;
    for (const p of group) {
      this.forget(p);
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
