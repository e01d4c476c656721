import { createHash, randomInt } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import type { Padding } from '../../core/platform/cipher.ts';
import { PlatformCodec, type FramingOverrides } from '../../core/platform/codec.ts';
import type { DialectName } from '../../core/platform/dialects.ts';
import { ProtocolError, type ProtocolFault } from '../../core/platform/errors.ts';
import { guidelineTime, parseGuidelineTime, type Body, type ItemValue, type Message, type MeterValues } from '../../core/platform/messages.ts';

export interface PlatformSimOptions {
  host?: string;
  port?: number;
  secret: string;
  key: Buffer;
  iv: Buffer;
  dialect?: DialectName;
  padding?: Padding;
  framing?: FramingOverrides;
  /** Every accepted period is appended here as one JSON line; existing lines count as already stored. */
  store?: string;
  /** Hours the platform's clock is ahead of UTC (its `<time>` answers and how it reads `<time>`). */
  utcOffsetHours?: number;
  maxFrameBytes?: number;
  maxMeters?: number;
  maxConnections?: number;
  now?: () => number;
}

/** One collector connection: its challenge, whether it passed, the ids its messages carry. */
interface Session {
  challenge: string | null;
  authed: boolean;
  ids: { building: string; gateway: string };
  /** The building and gateway that passed the challenge: the only ones this connection may speak for. */
  authIds: { building: string; gateway: string } | null;
  seq: number;
  reply(body: Body): void;
  close(): void;
}

/** One accepted period of one building, as the data centre keeps it. */
export interface StoredPeriod {
  building: string;
  gateway: string;
  /** `<time>` as sent (YYYYMMDDHHmmss) and as epoch ms. */
  time: string;
  ts: number;
  operation: 'report' | 'continuous';
  sequence: number;
  meters: MeterValues[];
  items: ItemValue[];
  receivedAt: number;
}

export interface SimCounters {
  connections: number;
  authenticated: number;
  authFailures: number;
  heartbeats: number;
  accepted: number;
  /** Periods received again after they were stored (acked again, not stored twice). */
  duplicates: number;
  refused: Record<string, number>;
}

/**
 * The data-centre side of the 2008 guideline, for tests and integrators: it challenges a collector
 * (sequence → md5 → result), answers heartbeats with its time, acknowledges reports and keeps each
 * (building, gateway, time) once. Bad CRC, bad padding, a wrong secret and malformed XML are refused
 * with an `error` message naming the fault. `down()` closes the listener and every connection until
 * `up()`; `drop()` closes the connections only.
 */
export class PlatformSimulator {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly codec: PlatformCodec;
  private readonly keys = new Set<string>();
  private readonly stored: StoredPeriod[] = [];
  private boundPort = 0;
  /** Acknowledgements to lose: the period is stored, then the connection closes instead of the ack (for tests). */
  loseAcks = 0;
  /** Periods to refuse: answered with ack fail and not stored (for tests). */
  refuseAcks = 0;
  readonly counters: SimCounters = { connections: 0, authenticated: 0, authFailures: 0, heartbeats: 0, accepted: 0, duplicates: 0, refused: {} };

  constructor(private readonly o: PlatformSimOptions) {
    this.codec = new PlatformCodec({
      dialect: o.dialect ?? 'gb2008', key: o.key, iv: o.iv, padding: o.padding, framing: o.framing,
      maxFrameBytes: o.maxFrameBytes ?? 1024 * 1024, maxMeters: o.maxMeters ?? 2000,
    });
    if (o.store && existsSync(o.store)) {
      for (const line of readFileSync(o.store, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const p = JSON.parse(line) as StoredPeriod;
        this.keys.add(PlatformSimulator.key(p));
        this.stored.push(p);
      }
    }
  }

  private static key(p: Pick<StoredPeriod, 'building' | 'gateway' | 'time'>): string {
    return `${p.building}|${p.gateway}|${p.time}`;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Every period stored, in arrival order. */
  periods(): readonly StoredPeriod[] {
    return this.stored;
  }

  async up(): Promise<{ host: string; port: number }> {
    if (this.server) return { host: this.o.host ?? '127.0.0.1', port: this.boundPort };
    const server = net.createServer((s) => this.accept(s));
    server.maxConnections = this.o.maxConnections ?? 64;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // After down(), come back on the same port: the collector is configured with it.
      server.listen(this.boundPort || this.o.port || 0, this.o.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    return { host: this.o.host ?? '127.0.0.1', port: this.boundPort };
  }

  /** Closes every connection; the listener stays, so collectors reconnect. */
  drop(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Stops listening and closes every connection, until up(). */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.drop();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.down();
  }

  private refuse(fault: ProtocolFault | 'unauthenticated', c: Session, message: string): void {
    this.counters.refused[fault] = (this.counters.refused[fault] ?? 0) + 1;
    c.reply({ type: 'error', fault, message: message.slice(0, 200) });
  }

  private accept(s: net.Socket): void {
    this.sockets.add(s);
    this.counters.connections++;
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    const reader = this.codec.reader();
    const c: Session = {
      challenge: null, authed: false, ids: { building: '', gateway: '' }, authIds: null, seq: 0,
      reply: (body) => {
        if (s.destroyed) return;
        c.seq = (c.seq + 1) >>> 0;
        s.write(this.codec.encode({ ...c.ids, body }, c.seq));
      },
      close: () => s.end(),
    };
    s.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (err) {
        // A length beyond the bound: nothing after it can be trusted to line up again.
        this.refuse((err as ProtocolError).fault ?? 'bad_frame', c, (err as Error).message);
        c.close();
        return;
      }
      for (const f of frames) {
        let m: Message;
        try {
          if (f instanceof ProtocolError) throw f;
          m = this.codec.decode(f);
        } catch (err) {
          if (err instanceof ProtocolError) { this.refuse(err.fault, c, err.message); continue; }
          throw err;
        }
        c.ids = { building: m.building, gateway: m.gateway };
        this.handle(m, c);
      }
    });
  }

  // A collector authenticates as one building and gateway; data for another needs its own session.
  private speaksFor(c: Session, m: Message): boolean {
    return c.authed && c.authIds?.building === m.building && c.authIds.gateway === m.gateway;
  }

  private handle(m: Message, c: Session): void {
    const b = m.body;
    const now = this.o.now?.() ?? Date.now();
    const offsetMin = (this.o.utcOffsetHours ?? 8) * 60;
    switch (b.type) {
      case 'request':
        c.challenge = String(randomInt(1e8, 1e9)) + String(randomInt(1e6, 1e7));
        return c.reply({ type: 'sequence', sequence: c.challenge });
      case 'md5': {
        const want = c.challenge === null ? null : createHash('md5').update(c.challenge + this.o.secret, 'utf8').digest('hex');
        c.authed = want !== null && b.md5.toLowerCase() === want;
        c.authIds = c.authed ? { building: m.building, gateway: m.gateway } : null;
        if (c.authed) this.counters.authenticated++;
        else { this.counters.authFailures++; this.counters.refused.auth_failed = (this.counters.refused.auth_failed ?? 0) + 1; }
        c.reply({ type: 'result', result: c.authed ? 'pass' : 'fail' });
        if (!c.authed) c.close();
        return;
      }
      case 'notify':
        if (!this.speaksFor(c, m)) return this.refuse('unauthenticated', c, `authenticate ${m.building}/${m.gateway} first`);
        this.counters.heartbeats++;
        return c.reply({ type: 'time', time: guidelineTime(now, offsetMin) });
      case 'report': case 'continuous': {
        if (!this.speaksFor(c, m)) return this.refuse('unauthenticated', c, `authenticate ${m.building}/${m.gateway} first`);
        let ts: number;
        try {
          ts = parseGuidelineTime(b.time, offsetMin);
        } catch (err) {
          return this.refuse('malformed_xml', c, (err as Error).message);
        }
        if (this.refuseAcks > 0) {
          this.refuseAcks--;
          this.counters.refused.refused_by_command = (this.counters.refused.refused_by_command ?? 0) + 1;
          return c.reply({ type: b.type === 'report' ? 'report_ack' : 'continuous_ack', sequence: b.sequence, ack: 'fail', reason: 'refused on command' });
        }
        const p: StoredPeriod = { building: m.building, gateway: m.gateway, time: b.time, ts, operation: b.type, sequence: b.sequence, meters: b.meters, items: b.items, receivedAt: now };
        const k = PlatformSimulator.key(p);
        if (this.keys.has(k)) this.counters.duplicates++;
        else {
          if (this.o.store) appendFileSync(this.o.store, `${JSON.stringify(p)}\n`);
          this.keys.add(k);
          this.stored.push(p);
          this.counters.accepted++;
        }
        if (this.loseAcks > 0) {
          this.loseAcks--;
          return c.close();
        }
        return c.reply({ type: b.type === 'report' ? 'report_ack' : 'continuous_ack', sequence: b.sequence, ack: 'pass' });
      }
      default:
        return this.refuse('unexpected', c, `a data centre does not expect "${b.type}" from a collector`);
    }
  }
}
