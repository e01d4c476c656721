import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Logger } from 'pino';
import { endUseCode } from '../../core/index.ts';
import type { KnownMeter } from '../ingest/directory.ts';
import type { InfluxClient } from '../store/influx.ts';
import { PlatformCodec, parseKey } from './codec.ts';
import type { PlatformConfig } from './config.ts';
import { ProtocolError } from './errors.ts';
import { guidelineTime, type Body, type Message } from './messages.ts';
import { Periods } from './periods.ts';
import { readPeriod, type PeriodData } from './source.ts';
import { StateFile } from './state.ts';

export interface ReporterDeps {
  influx: InfluxClient;
  /** The meters the ingestor knows in a building (from gateway manifests). */
  meters(site: string, building: string): KnownMeter[];
  dataDir: string;
  utcOffsetHours: number;
  /** The clock periods fall due by (injectable so tests can run a day in seconds). */
  now(): number;
  log: Logger;
  /** How often an unready period is looked at again (default 1 s). */
  pollMs?: number;
}

export interface BuildingStatus {
  site: string;
  building: string;
  buildingId: string;
  gatewayId: string;
  /** Start of the last acknowledged period, or null before the first. */
  lastAcked: number | null;
  /** Start of the next period to send. */
  next: number;
  /** Periods that have ended and are not yet acknowledged. */
  backlog: number;
  /** Set while the next period waits for its meters: since when (period end on the reporting clock). */
  waitingFor: string | null;
}

export interface PlatformStatus {
  id: string;
  host: string;
  port: number;
  dialect: string;
  periodMin: number;
  connected: boolean;
  authenticated: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
  lastAckAt: number | null;
  counters: { connects: number; sent: number; acked: number; refused: number; heartbeats: number; errors: number };
  buildings: BuildingStatus[];
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
 * One platform: a TCP connection that authenticates (request → sequence → md5 → result), keeps a
 * heartbeat, and sends each mapped building's periods in order, one at a time, moving on only when
 * the platform acknowledges. Whatever breaks (connect, auth, a missing ack) closes the connection and
 * the same period is sent again after a back-off: at least once on the wire, and the platform's
 * (building, time) key makes it once in its store.
 */
export class PlatformReporter {
  private readonly codec: PlatformCodec;
  private readonly periods: Periods;
  private readonly state: StateFile;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private sock: net.Socket | null = null;
  private readonly waiters = new Map<string, Waiter>();
  private frameSeq = 0;
  private running: Promise<void> | null = null;
  private lastContinuousAt = 0;
  /** Per building: when (real time) its next period was first seen complete, and when to look again. */
  private readonly settle = new Map<string, { since: number | null; mark: string | null; lookAt: number; waitingFor: string | null }>();
  private readonly status: Omit<PlatformStatus, 'buildings'>;

  constructor(private readonly cfg: PlatformConfig, private readonly deps: ReporterDeps) {
    this.codec = new PlatformCodec({ dialect: cfg.dialect, key: parseKey(cfg.key)!, iv: parseKey(cfg.iv)!, padding: cfg.padding, maxFrameBytes: cfg.maxFrameBytes, maxMeters: cfg.maxMeters });
    this.periods = new Periods(cfg.periodMin, deps.utcOffsetHours);
    this.state = new StateFile(deps.dataDir, cfg.id);
    this.log = deps.log.child({ platform: cfg.id });
    this.status = {
      id: cfg.id, host: cfg.host, port: cfg.port, dialect: cfg.dialect, periodMin: cfg.periodMin,
      connected: false, authenticated: false, lastError: null, lastErrorAt: null, lastAckAt: null,
      counters: { connects: 0, sent: 0, acked: 0, refused: 0, heartbeats: 0, errors: 0 },
    };
    // Fix each building's first period once, so a restart neither skips nor repeats.
    const first = this.periods.floor(cfg.from ? Date.parse(cfg.from) : deps.now());
    let fresh = false;
    for (const b of cfg.buildings) {
      const k = `${b.site}/${b.building}`;
      if (this.state.state.next[k] === undefined) { this.state.state.next[k] = first; fresh = true; }
    }
    if (fresh) this.state.save();
  }

  start(): void {
    this.running ??= this.loop();
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.sock?.destroy();
    await this.running;
  }

  snapshot(): PlatformStatus {
    const now = this.deps.now();
    return {
      ...this.status,
      counters: { ...this.status.counters },
      buildings: this.cfg.buildings.map((b) => {
        const k = `${b.site}/${b.building}`;
        const next = this.state.state.next[k]!;
        return {
          site: b.site, building: b.building, buildingId: b.buildingId, gatewayId: b.gatewayId,
          lastAcked: this.state.state.acked[k] ?? null, next, backlog: this.periods.due(next, now),
          waitingFor: this.settle.get(k)?.waitingFor ?? null,
        };
      }),
    };
  }

  private error(err: unknown): void {
    const message = (err as Error).message ?? String(err);
    this.status.lastError = err instanceof ProtocolError ? `${err.fault}: ${message}` : message;
    this.status.lastErrorAt = Date.now();
    this.status.counters.errors++;
    this.log.warn({ err: this.status.lastError }, 'platform session ended');
  }

  private async loop(): Promise<void> {
    let backoff = this.cfg.retry.minMs;
    while (!this.abort.signal.aborted) {
      let authenticated = false;
      try {
        await this.session(() => { authenticated = true; backoff = this.cfg.retry.minMs; });
      } catch (err) {
        if (!this.abort.signal.aborted) this.error(err);
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
      const reader = this.codec.reader();
      sock.on('data', (chunk: Buffer) => {
        try {
          for (const f of reader.push(chunk)) {
            if (f instanceof ProtocolError) throw f;
            this.dispatch(this.codec.decode(f));
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
    const ask = (body: Body, key: string) => Promise.race([this.request(body, key), closed]);

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
      this.request({ type: 'notify' }, 'time').then(() => { this.status.counters.heartbeats++; }, (err: Error) => {
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

  private request(body: Body, key: string): Promise<Message> {
    const sock = this.sock;
    if (!sock || sock.destroyed) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`no ${key} answer within ${this.cfg.ackTimeoutS} s`));
      }, this.cfg.ackTimeoutS * 1000);
      this.waiters.set(key, { resolve, reject, timer });
      // Authentication and heartbeats go out under the first building's ids, data under its own.
      const b = this.cfg.buildings[0]!;
      const building = this.current?.buildingId ?? b.buildingId;
      const gateway = this.current?.gatewayId ?? b.gatewayId;
      this.frameSeq = (this.frameSeq + 1) >>> 0;
      sock.write(this.codec.encode({ building, gateway, body }, this.frameSeq));
    });
  }

  /** The building whose messages are on the wire (its ids go in `<common>`). */
  private current: { buildingId: string; gatewayId: string } | null = null;

  private dispatch(m: Message): void {
    const b = m.body;
    let key: string;
    if (b.type === 'sequence' || b.type === 'result' || b.type === 'time') key = b.type;
    else if (b.type === 'report_ack' || b.type === 'continuous_ack') key = `ack:${b.sequence}`;
    else if (b.type === 'error') {
      // The platform refused what we sent last: fail whatever waits, the session starts over.
      const err = new ProtocolError('unexpected', `the platform answered error ${b.fault}: ${b.message}`);
      for (const [k, w] of this.waiters) { clearTimeout(w.timer); this.waiters.delete(k); w.reject(err); }
      return;
    } else throw new ProtocolError('unexpected', `a platform does not send "${b.type}"`);
    const w = this.waiters.get(key);
    if (!w) { this.log.debug({ key }, 'answer nobody waits for'); return; }
    clearTimeout(w.timer);
    this.waiters.delete(key);
    w.resolve(m);
  }

  /** Sends the next ready period of some building; false when none is ready. */
  private async sendNext(ask: (body: Body, key: string) => Promise<Message>): Promise<boolean> {
    const now = this.deps.now();
    for (const b of this.cfg.buildings) {
      const k = `${b.site}/${b.building}`;
      const start = this.state.state.next[k]!;
      const end = start + this.periods.ms;
      if (end > now) continue;
      const s = this.settle.get(k) ?? { since: null, mark: null, lookAt: 0, waitingFor: null };
      this.settle.set(k, s);
      if (Date.now() < s.lookAt) continue;
      const meters = this.deps.meters(b.site, b.building).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      let data: PeriodData;
      try {
        data = await readPeriod(this.deps.influx, b.site, b.building, meters, start, end, Math.max(this.periods.ms * 4, 86_400_000));
      } catch (err) {
        // InfluxDB away is no reason to drop the platform: say so and look again later.
        this.status.lastError = `InfluxDB: ${(err as Error).message}`;
        this.status.lastErrorAt = Date.now();
        this.status.counters.errors++;
        s.lookAt = Date.now() + this.cfg.retry.minMs;
        continue;
      }
      const overdue = now >= end + this.cfg.maxWaitMin * 60_000;
      if (!data.complete || meters.length === 0) {
        s.since = null;
        s.mark = null;
        s.waitingFor = guidelineTime(end, this.deps.utcOffsetHours * 60);
        // Without a manifest there is nothing to report, however long it takes: never send an empty period.
        if (!overdue || meters.length === 0) { s.lookAt = Date.now() + (this.deps.pollMs ?? 1000); continue; }
      }
      const continuous = end + this.periods.ms <= now;
      if (data.complete && !overdue) {
        // Usage is derived after the readings are stored: once a building's data turns complete (and
        // again for each live period), give that derivation settleS to reach InfluxDB. A backlog
        // that is complete as a whole waits once, not once per period.
        const mark = continuous ? 'backlog' : `live:${start}`;
        if (s.mark !== mark && !(s.mark === 'backlog' && continuous)) { s.mark = mark; s.since = Date.now(); }
        s.since ??= Date.now();
        s.waitingFor = null;
        if (Date.now() - s.since < this.cfg.settleS * 1000) { s.lookAt = s.since + this.cfg.settleS * 1000; continue; }
      }
      if (continuous) {
        const gap = 60_000 / this.cfg.continuousPerMinute - (Date.now() - this.lastContinuousAt);
        if (gap > 0) await sleep(gap, this.abort.signal);
        this.lastContinuousAt = Date.now();
      }
      const dialect = this.codec.dialect;
      const missing = this.cfg.errorMissing ?? dialect.errorMissing;
      const sequence = this.state.state.seq + 1;
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
      this.current = { buildingId: b.buildingId, gatewayId: b.gatewayId };
      this.status.counters.sent++;
      const ack = await ask(body, `ack:${sequence}`);
      this.state.state.seq = sequence;
      if (ack.body.type !== 'report_ack' && ack.body.type !== 'continuous_ack') throw new ProtocolError('unexpected', `expected an acknowledgement, got ${ack.body.type}`);
      if (ack.body.ack !== 'pass') {
        this.status.counters.refused++;
        this.state.save();
        throw new ProtocolError('unexpected', `the platform refused period ${body.time} of ${b.buildingId}: ${ack.body.reason ?? 'no reason given'}`);
      }
      this.state.state.next[k] = end;
      this.state.state.acked[k] = start;
      this.state.save();
      s.waitingFor = null;
      this.status.counters.acked++;
      this.status.lastAckAt = Date.now();
      return true;
    }
    return false;
  }
}
