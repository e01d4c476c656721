import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Logger } from 'pino';
import { endUseCode } from '../../core/index.ts';
import type { KnownMeter } from '../ingest/directory.ts';
import type { InfluxClient } from '../store/influx.ts';
import type { PlatformCodec } from '../../core/platform/codec.ts';
import type { PlatformBuilding, PlatformConfig } from './config.ts';
import { ProtocolError } from '../../core/platform/errors.ts';
import { guidelineTime, type Body, type Message } from '../../core/platform/messages.ts';
import type { Periods } from './periods.ts';
import { readPeriod, type PeriodData } from './source.ts';
import type { StateFile } from './state.ts';

export interface ReporterDeps {
  influx: InfluxClient;
  /** The meters the ingestor knows in a building (from gateway manifests). */
  meters(site: string, building: string): KnownMeter[];
  utcOffsetHours: number;
  /** The clock periods fall due by (injectable so tests can run a day in seconds). */
  now(): number;
  log: Logger;
  /** How often an unready period is looked at again (default 1 s). */
  pollMs?: number;
}

/** What one platform's reporters share: codec, period grid, state file and the backlog rate. */
export interface PlatformShared {
  codec: PlatformCodec;
  periods: Periods;
  state: StateFile;
  /** When (real time) the platform last got a `continuous` message, from any building. */
  rate: { lastContinuousAt: number };
}

export interface Counters {
  connects: number;
  sent: number;
  acked: number;
  refused: number;
  heartbeats: number;
  errors: number;
}

export interface BuildingStatus {
  site: string;
  building: string;
  buildingId: string;
  gatewayId: string;
  connected: boolean;
  authenticated: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
  lastAckAt: number | null;
  /** Start of the last acknowledged period, or null before the first. */
  lastAcked: number | null;
  /** Start of the next period to send. */
  next: number;
  /** Periods that have ended and are not yet acknowledged. */
  backlog: number;
  /** Set while the next period waits for its meters: that period's end (YYYYMMDDHHmmss, site clock). */
  waitingFor: string | null;
  counters: Counters;
}

interface Waiter {
  resolve(m: Message): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  if (signal.aborted) return resolve();
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
  signal.addEventListener('abort', done, { once: true });
});

/**
 * One building as one collector (数据采集器) of a platform: its own TCP connection that
 * authenticates under its building_id and gateway_id (request → sequence → md5 → result), keeps a
 * heartbeat, and sends the building's periods in order, one at a time, moving on only when the
 * platform acknowledges. Whatever breaks (connect, auth, a missing ack) closes the connection and
 * the same period is sent again after a back-off: at least once on the wire, and the platform's
 * (building, gateway, time) key makes it once in its store.
 */
export class BuildingReporter {
  private readonly log: Logger;
  private readonly key: string;
  private readonly abort = new AbortController();
  private sock: net.Socket | null = null;
  private readonly waiters = new Map<string, Waiter>();
  private frameSeq = 0;
  private running: Promise<void> | null = null;
  /** When (real time) the next period was first seen complete, and when to look at it again. */
  private readonly settle = { since: null as number | null, mark: null as string | null, lookAt: 0, waitingFor: null as string | null };
  private readonly status = {
    connected: false, authenticated: false, lastError: null as string | null, lastErrorAt: null as number | null, lastAckAt: null as number | null,
    counters: { connects: 0, sent: 0, acked: 0, refused: 0, heartbeats: 0, errors: 0 } as Counters,
  };

  constructor(private readonly cfg: PlatformConfig, private readonly b: PlatformBuilding, private readonly shared: PlatformShared, private readonly deps: ReporterDeps) {
    this.key = `${b.site}/${b.building}`;
    this.log = deps.log.child({ platform: cfg.id, building: this.key });
    // Fix the building's first period once, so a restart neither skips nor repeats.
    if (shared.state.state.next[this.key] === undefined) {
      shared.state.state.next[this.key] = shared.periods.floor(cfg.from ? Date.parse(cfg.from) : deps.now());
      shared.state.save();
    }
  }

  start(): void {
    this.running ??= this.loop();
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.sock?.destroy();
    await this.running;
  }

  snapshot(): BuildingStatus {
    const next = this.shared.state.state.next[this.key]!;
    return {
      site: this.b.site, building: this.b.building, buildingId: this.b.buildingId, gatewayId: this.b.gatewayId,
      ...this.status, counters: { ...this.status.counters },
      lastAcked: this.shared.state.state.acked[this.key] ?? null, next,
      backlog: this.shared.periods.due(next, this.deps.now()), waitingFor: this.settle.waitingFor,
    };
  }

  private error(message: string): void {
    this.status.lastError = message;
    this.status.lastErrorAt = Date.now();
    this.status.counters.errors++;
  }

  private async loop(): Promise<void> {
    let backoff = this.cfg.retry.minMs;
    while (!this.abort.signal.aborted) {
      let authenticated = false;
      try {
        await this.session(() => { authenticated = true; backoff = this.cfg.retry.minMs; });
      } catch (err) {
        if (!this.abort.signal.aborted) {
          this.error(err instanceof ProtocolError ? `${err.fault}: ${err.message}` : (err as Error).message);
          this.log.warn({ err: this.status.lastError }, 'platform session ended');
        }
      } finally {
        this.sock?.destroy();
        this.sock = null;
        this.status.connected = false;
        this.status.authenticated = false;
        for (const [, w] of this.waiters) { clearTimeout(w.timer); w.reject(new Error('connection closed')); }
        this.waiters.clear();
      }
      await sleep(backoff, this.abort.signal);
      if (!authenticated) backoff = Math.min(backoff * 2, this.cfg.retry.maxMs);
    }
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.cfg.host, port: this.cfg.port });
      const t = setTimeout(() => { s.destroy(); reject(new Error(`no TCP connection to ${this.cfg.host}:${this.cfg.port} within ${this.cfg.ackTimeoutS} s`)); }, this.cfg.ackTimeoutS * 1000);
      s.once('connect', () => { clearTimeout(t); resolve(s); });
      s.once('error', (e) => { clearTimeout(t); reject(new Error(`cannot connect to ${this.cfg.host}:${this.cfg.port}: ${e.message}`)); });
    });
  }

  private async session(onAuth: () => void): Promise<void> {
    const sock = await this.connect();
    this.sock = sock;
    this.status.connected = true;
    this.status.counters.connects++;
    const closed = new Promise<never>((_r, reject) => {
      const reader = this.shared.codec.reader();
      sock.on('data', (chunk: Buffer) => {
        try {
          for (const f of reader.push(chunk)) {
            if (f instanceof ProtocolError) throw f;
            this.dispatch(this.shared.codec.decode(f));
          }
        } catch (err) {
          sock.destroy(err as Error);
        }
      });
      sock.on('error', () => { /* reported through close */ });
      sock.on('close', () => {
        const err = (sock as net.Socket & { errored?: Error }).errored;
        reject(err ?? new Error('the platform closed the connection'));
      });
    });
    closed.catch(() => {});
    const ask = (body: Body, key: string) => Promise.race([this.request(sock, body, key), closed]);

    const seq = await ask({ type: 'request' }, 'sequence');
    if (seq.body.type !== 'sequence') throw new ProtocolError('unexpected', `expected a sequence, got ${seq.body.type}`);
    if (!/^[\w-]{1,64}$/.test(seq.body.sequence)) throw new ProtocolError('malformed_xml', 'the challenge sequence is not 1–64 letters or digits');
    const md5 = createHash('md5').update(seq.body.sequence + this.cfg.secret, 'utf8').digest('hex');
    const result = await ask({ type: 'md5', md5 }, 'result');
    if (result.body.type !== 'result' || result.body.result !== 'pass') throw new ProtocolError('auth_failed', 'the platform refused the MD5 answer (check the secret)');
    this.status.authenticated = true;
    onAuth();
    this.log.info('authenticated');

    const heartbeat = setInterval(() => {
      if (this.waiters.has('time')) return;
      this.request(sock, { type: 'notify' }, 'time').then(() => { this.status.counters.heartbeats++; }, (err: Error) => {
        if (!sock.destroyed) sock.destroy(new Error(`heartbeat: ${err.message}`));
      });
    }, this.cfg.heartbeatS * 1000);
    try {
      while (!this.abort.signal.aborted && !sock.destroyed) {
        const sent = await Promise.race([this.sendNext(ask), closed]);
        if (!sent) await Promise.race([sleep(this.deps.pollMs ?? 1000, this.abort.signal), closed]);
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Sends on `sock` only: a send still under way from a session that ended must not reach the next one. */
  private request(sock: net.Socket, body: Body, key: string): Promise<Message> {
    if (sock !== this.sock || sock.destroyed) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`no ${key} answer within ${this.cfg.ackTimeoutS} s`));
      }, this.cfg.ackTimeoutS * 1000);
      this.waiters.set(key, { resolve, reject, timer });
      this.frameSeq = (this.frameSeq + 1) >>> 0;
      sock.write(this.shared.codec.encode({ building: this.b.buildingId, gateway: this.b.gatewayId, body }, this.frameSeq));
    });
  }

  private dispatch(m: Message): void {
    const b = m.body;
    let key: string;
    if (b.type === 'sequence' || b.type === 'result' || b.type === 'time') key = b.type;
    else if (b.type === 'report_ack' || b.type === 'continuous_ack') key = `ack:${b.sequence}`;
    else if (b.type === 'error') {
      // The platform refused what we sent last: fail whatever waits, the session starts over.
      // Whatever the platform says is cut to a line: it ends up in the API and the log.
      const err = new ProtocolError('unexpected', `the platform answered error ${b.fault.slice(0, 40)}: ${b.message.slice(0, 200)}`);
      for (const [k, w] of this.waiters) { clearTimeout(w.timer); this.waiters.delete(k); w.reject(err); }
      return;
    } else throw new ProtocolError('unexpected', `a platform does not send "${b.type}"`);
    const w = this.waiters.get(key);
    if (!w) { this.log.debug({ key }, 'answer nobody waits for'); return; }
    clearTimeout(w.timer);
    this.waiters.delete(key);
    w.resolve(m);
  }

  /** Sends the building's next period when it is ready; false when it is not. */
  private async sendNext(ask: (body: Body, key: string) => Promise<Message>): Promise<boolean> {
    const { periods, state, codec } = this.shared;
    const s = this.settle;
    const now = this.deps.now();
    const start = state.state.next[this.key]!;
    const end = start + periods.ms;
    if (end > now || Date.now() < s.lookAt) return false;
    const meters = this.deps.meters(this.b.site, this.b.building).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    let data: PeriodData;
    try {
      data = await readPeriod(this.deps.influx, this.b.site, this.b.building, meters, start, end, Math.max(periods.ms * 4, 86_400_000));
    } catch (err) {
      // InfluxDB away is no reason to drop the platform: say so and look again later.
      this.error(`InfluxDB: ${(err as Error).message}`);
      s.lookAt = Date.now() + this.cfg.retry.minMs;
      return false;
    }
    const overdue = now >= end + this.cfg.maxWaitMin * 60_000;
    if (!data.complete || meters.length === 0) {
      s.since = null;
      s.mark = null;
      s.waitingFor = guidelineTime(end, this.deps.utcOffsetHours * 60);
      // Without a manifest there is nothing to report, however long it takes: never send an empty period.
      if (!overdue || meters.length === 0) { s.lookAt = Date.now() + (this.deps.pollMs ?? 1000); return false; }
    }
    const continuous = end + periods.ms <= now;
    if (data.complete && !overdue) {
      // Usage is derived after the readings are stored: once the building's data turns complete (and
      // again for each live period), give that derivation settleS to reach InfluxDB. A backlog that
      // is complete as a whole waits once, not once per period.
      const mark = continuous ? 'backlog' : `live:${start}`;
      if (s.mark !== mark) { s.mark = mark; s.since = Date.now(); }
      s.waitingFor = null;
      if (Date.now() - s.since! < this.cfg.settleS * 1000) { s.lookAt = s.since! + this.cfg.settleS * 1000; return false; }
    }
    if (continuous) {
      // One bound for the platform, whichever building's backlog it is.
      for (;;) {
        const gap = 60_000 / this.cfg.continuousPerMinute - (Date.now() - this.shared.rate.lastContinuousAt);
        if (gap <= 0 || this.abort.signal.aborted) break;
        await sleep(gap, this.abort.signal);
      }
      this.shared.rate.lastContinuousAt = Date.now();
    }
    const dialect = codec.dialect;
    const missing = this.cfg.errorMissing ?? dialect.errorMissing;
    // One sequence counter per platform, persisted, so a platform never sees a number twice.
    const sequence = ++state.state.seq;
    const body: Body = {
      type: continuous ? 'continuous' : 'report',
      sequence,
      time: guidelineTime(end, this.deps.utcOffsetHours * 60),
      meters: data.meters.map((x, i) => ({
        id: i + 1, name: x.meter.id,
        functions: [{ id: 1, coding: endUseCode(x.meter.end_use, x.meter.kind), error: x.counter === null ? missing : dialect.errorOk, value: x.counter }],
      })),
      items: data.items.map((it) => ({ coding: it.coding, error: it.complete ? dialect.errorOk : missing, value: it.value })),
    };
    this.status.counters.sent++;
    const ack = await ask(body, `ack:${sequence}`);
    if (ack.body.type !== 'report_ack' && ack.body.type !== 'continuous_ack') throw new ProtocolError('unexpected', `expected an acknowledgement, got ${ack.body.type}`);
    if (ack.body.ack !== 'pass') {
      this.status.counters.refused++;
      state.save();
      throw new ProtocolError('unexpected', `the platform refused period ${body.time}: ${ack.body.reason?.slice(0, 200) ?? 'no reason given'}`);
    }
    state.state.next[this.key] = end;
    state.state.acked[this.key] = start;
    state.save();
    s.waitingFor = null;
    this.status.counters.acked++;
    this.status.lastAckAt = Date.now();
    return true;
  }
}
