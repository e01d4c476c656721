import type { Logger } from 'pino';
import type { Reading } from '../../core/index.ts';
import type { BusConfig, MeterConfig } from '../config.ts';
import type { MeterState } from './types.ts';
import { classifyFailure, describeFailure } from './failures.ts';
import {
  afterFailure, afterSuccess, initialFailureState, DEFAULT_ABSENT_AFTER, DEFAULT_BACKOFF_CAP_MS, DEFAULT_RETRY_BASE_MS,
  type FailureState, type RetryPolicy,
} from './backoff.ts';
import { buildReading, type CounterMemory } from './reading.ts';
import type { MeterRead, ReadMeter } from './read-meter.ts';

export interface SchedulerOptions {
  retryBaseMs?: number;
  absentAfter?: number;
  backoffCapMs?: number;
}

export interface BusScheduler {
  start(): void;
  stop(): Promise<void>;
  states(): MeterState[];
  /**
   * Runs `fn` alone on the line, between two transactions of the schedule, and resolves with its
   * result. `fn` must keep within `budgetMs` (it is the caller's bound on the pause it causes);
   * it is served when no meter is due, or once it has waited `budgetMs`, so a line with no idle
   * time still alternates: a pause of at most the budget, then at least as long of polling.
   */
  lend<T>(budgetMs: number, fn: () => Promise<T>): Promise<T>;
  /** Share of time the line carried transactions (polls and loans) over the last window, 0–1. */
  utilisation(): number;
}

/** Length of the window utilisation is measured over. */
const UTILISATION_WINDOW_MS = 10_000;

interface Loan {
  budgetMs: number;
  since: number;
  run(): Promise<void>;
  fail(err: Error): void;
}

interface Run {
  meter: MeterConfig;
  read: ReadMeter;
  timeoutMs: number;
  policy: RetryPolicy;
  /** The meter's logger, made on first use (see below). */
  readonly log: Logger;
  /** Monotonic time of the next attempt, and of the start of the current interval. */
  due: number;
  slot: number;
  fs: FailureState;
  counters: CounterMemory;
  status: MeterState;
}

const mono = () => performance.now();

/**
 * Polls every meter of one bus, one transaction at a time (an RS-485 line is half duplex; Modbus
 * over serial line V1.02, 2.1 and DL/T 645-2007 4.x alike: a single master, one request
 * outstanding). What a read is — a Modbus plan, a DL/T 645 identifier list, a CJ/T 188 DI 901FH —
 * comes from `readerFor`, so every protocol shares the same timing, retry and backoff.
 * The meter whose attempt is due first goes next; a retry or a backed-off meter waits in the queue
 * by time instead of holding the line, so one dead meter costs the others at most one timeout per
 * probe.
 */
export function createBusScheduler(
  bus: Exclude<BusConfig, { type: 'mqtt' }>,
  meters: readonly MeterConfig[],
  readerFor: (meter: MeterConfig) => ReadMeter,
  deps: { log: Logger; onReading(reading: Reading): void; now: () => number; options?: SchedulerOptions },
): BusScheduler {
  const opts = deps.options ?? {};
  const runs: Run[] = meters.map((meter) => {
    // Made when the meter first has something to say: a pino child per meter is a prototype
    // object with its own hidden class and bindings string (about 0.4 KB), and most meters of a
    // large site never log.
    let log: Logger | undefined;
    return {
      meter,
      read: readerFor(meter),
      timeoutMs: meter.timeoutMs ?? bus.timeoutMs,
      policy: {
        intervalMs: meter.intervalMs,
        retries: meter.retries,
        retryBaseMs: opts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
        absentAfter: opts.absentAfter ?? DEFAULT_ABSENT_AFTER,
        backoffCapMs: opts.backoffCapMs ?? DEFAULT_BACKOFF_CAP_MS,
      },
      get log() {
        return (log ??= deps.log.child({ bus: bus.id, meter: meter.id }));
      },
      due: 0,
      slot: 0,
      fs: initialFailureState(),
      counters: new Map(),
      status: {
        id: meter.id, bus: bus.id, online: false, lastReadTs: null, consecutiveErrors: 0, lastError: null, state: 'unknown', reads: 0, errors: 0,
      },
    };
  });

  let stopped = true;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  const loans: Loan[] = [];
  // Busy time of the window being counted and the share of the last full one.
  let windowStart = mono();
  let busyInWindow = 0;
  let lastShare: number | null = null;
  const busy = (ms: number) => {
    const now = mono();
    if (now - windowStart >= UTILISATION_WINDOW_MS) {
      lastShare = Math.min(1, busyInWindow / (now - windowStart));
      windowStart = now;
      busyInWindow = 0;
    }
    busyInWindow += ms;
  };

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = null;
      resolve();
    }
    wake = done;
  });

  const nextSlot = (r: Run, now: number) => {
    const interval = r.policy.intervalMs;
    const passed = Math.max(1, Math.ceil((now - r.slot) / interval));
    return r.slot + passed * interval;
  };

  async function attempt(r: Run): Promise<void> {
    let result: MeterRead;
    const t0 = mono();
    try {
      result = await r.read(r.timeoutMs);
    } catch (err) {
      busy(mono() - t0);
      onFailure(r, err);
      return;
    } finally {
      r.status.lastDurationMs = Math.round(mono() - t0);
    }
    busy(mono() - t0);
    const wasDown = r.fs.state === 'backoff' || (r.fs.state === 'retrying' && !r.status.online);
    r.fs = afterSuccess();
    const now = mono();
    r.slot = nextSlot(r, now);
    r.due = r.slot;
    Object.assign(r.status, { online: true, lastReadTs: result.ts, consecutiveErrors: 0, state: 'ok', reads: r.status.reads + 1, lastErrorClass: null });
    if (wasDown) r.log.info('meter answers again');
    noteAlarms(r, result.alarms ?? []);
    let reading: Reading;
    try {
      reading = buildReading(r.meter.id, result.ts, result.values, r.meter, r.counters);
    } catch (err) {
      r.log.error({ err }, 'reading could not be built');
      return;
    }
    try {
      deps.onReading(reading);
    } catch (err) {
      r.log.error({ err }, 'reading consumer failed');
    }
  }

  // Status bits a meter reports alongside its values (a closed valve, a low battery): kept in
  // the meter's state for the health endpoint and logged when they change.
  function noteAlarms(r: Run, alarms: readonly string[]): void {
    const before = r.status.alarms ?? [];
    if (before.length === alarms.length && before.every((a, i) => a === alarms[i])) return;
    if (alarms.length > 0) r.log.warn({ alarms }, 'meter reports alarms');
    else r.log.info('meter alarms cleared');
    r.status.alarms = [...alarms];
  }

  function onFailure(r: Run, err: unknown): void {
    const cls = classifyFailure(err);
    const now = mono();
    const prev = r.fs.state;
    const d = afterFailure(r.fs, cls, r.policy, nextSlot(r, now) - now);
    r.fs = d.next;
    r.due = now + d.delayMs;
    if (d.next.state === 'backoff') r.slot = r.due;
    const lastError = describeFailure(err);
    Object.assign(r.status, {
      consecutiveErrors: d.next.consecutiveErrors, lastError, lastErrorClass: cls, state: d.next.state, errors: r.status.errors + 1,
      online: d.cycleFailed ? false : r.status.online,
    });
    if (d.next.state === 'backoff' && prev !== 'backoff') {
      r.log.warn({ error: lastError, class: cls, consecutiveErrors: d.next.consecutiveErrors, nextProbeMs: Math.round(d.delayMs) },
        'meter failing permanently or absent; backing off');
    } else if (d.cycleFailed && prev === 'ok') {
      r.log.warn({ error: lastError, class: cls }, 'meter read failed after retries');
    } else {
      r.log.debug({ error: lastError, class: cls, state: d.next.state, delayMs: Math.round(d.delayMs) }, 'meter read failed');
    }
  }

  async function run(): Promise<void> {
    const t0 = mono();
    for (const r of runs) {
      r.due = t0;
      r.slot = t0;
    }
    while (!stopped && runs.length > 0) {
      let next = runs[0]!;
      for (const r of runs) if (r.due < next.due) next = r;
      const wait = next.due - mono();
      const loan = loans[0];
      if (loan && (wait > 0 || mono() - loan.since >= loan.budgetMs)) {
        loans.shift();
        const t0 = mono();
        await loan.run();
        busy(mono() - t0);
        continue;
      }
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      await attempt(next);
    }
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      loop = run().catch((err) => deps.log.error({ err, bus: bus.id }, 'bus loop stopped'));
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      loop = null;
      for (const l of loans.splice(0)) l.fail(new Error(`bus ${bus.id}: the gateway is stopping`));
    },
    states: () => runs.map((r) => ({ ...r.status, ...(r.status.alarms ? { alarms: [...r.status.alarms] } : {}) })),
    lend<T>(budgetMs: number, fn: () => Promise<T>): Promise<T> {
      // Not polling (not started yet, or no meters): the line is free, nothing to wait for.
      if (stopped || runs.length === 0) {
        const t0 = mono();
        return fn().finally(() => busy(mono() - t0));
      }
      return new Promise<T>((resolve, reject) => {
        loans.push({
          budgetMs, since: mono(), fail: reject,
          run: () => fn().then(resolve, reject),
        });
        wake?.();
      });
    },
    utilisation() {
      busy(0);
      if (lastShare !== null) return lastShare;
      const span = mono() - windowStart;
      return span > 0 ? Math.min(1, busyInWindow / span) : 0;
    },
  };
}
