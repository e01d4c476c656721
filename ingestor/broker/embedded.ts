import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { GatewayCredential, IngestorConfig } from '../config.ts';
import { WIRE_VERSION, ZmError, topics, type Limits } from '../../core/index.ts';
import { clientIdAllowed, mayPublish, maySubscribe, type GatewayIdentity } from './acl.ts';
import { LoginLimiter } from './login-limiter.ts';
import { PacketSizeGuard } from './guard.ts';
import type { MessageBus, MessageHandler } from './bus.ts';
import { verifyPassword } from './password.ts';

export interface BrokerCounters {
  refusedConnects: number;
  refusedPublishes: number;
  refusedSubscribes: number;
  /** Connections dropped by the connection limit, before any MQTT byte was read. */
  refusedOverLimit: number;
  /** Connections dropped because a packet header announced more than maxPacketBytes. */
  oversizePackets: number;
  /** Connects refused unchecked because their address or user name had too many failed logins. */
  rateLimitedConnects: number;
  /** Connects refused because the client id was not the gateway's own. */
  foreignClientIds: number;
}

export interface EmbeddedBroker extends MessageBus {
  readonly port: number;
  readonly tlsPort: number | null;
  readonly wsPort: number | null;
  readonly counters: BrokerCounters;
  connectedClients(): number;
  /** Open sockets on every listener, authenticated or not. */
  openConnections(): number;
}

type AuthedClient = Client & { zm?: GatewayIdentity };
type Addressed = Duplex & { zmRemote?: string };

function listen(server: Server | ReturnType<typeof createHttpServer>, port: number, host: string, field: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is in use by another process' : err.code === 'EACCES' ? 'needs privileges this process does not have'
        : err.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : null;
      reject(why ? new ZmError('ERR_CONFIG_INVALID', `${field}: ${host}:${port} ${why}`, { cause: err }) : err);
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** What every gateway is told it may send (see core LimitsSchema). */
export function gatewayLimits(cfg: IngestorConfig['mqtt']): Limits {
  return { v: WIRE_VERSION, max_packet_bytes: cfg.maxPacketBytes, max_batch_readings: 10_000 };
}

/**
 * The embedded aedes broker: per-gateway credentials (scrypt hashes), an ACL that keeps every
 * gateway inside its own topics, a connection limit and a packet size limit.
 */
export async function startEmbeddedBroker(cfg: IngestorConfig['mqtt'], gateways: readonly GatewayCredential[], log: Logger): Promise<EmbeddedBroker> {
  const creds = new Map(gateways.map((g) => [g.id, g]));
  const counters: BrokerCounters = { refusedConnects: 0, refusedPublishes: 0, refusedSubscribes: 0, refusedOverLimit: 0, oversizePackets: 0, rateLimitedConnects: 0, foreignClientIds: 0 };
  const byAddress = new LoginLimiter(cfg.loginFailures.max, cfg.loginFailures.windowMs);
  const byUser = new LoginLimiter(cfg.loginFailures.max, cfg.loginFailures.windowMs);
  const byPair = new LoginLimiter(cfg.loginFailures.max, cfg.loginFailures.windowMs);
  // Addresses a gateway logged in from: a user name or an address under attack from elsewhere stays
  // open to them (only their own failures count), so guessing a gateway's password can never lock
  // the gateway itself out, even from behind the same NAT.
  const knownGood = new Map<string, Set<string>>();
  const broker = await Aedes.createBroker({
    authenticate(client: AuthedClient, username, password, done) {
      const cred = username ? creds.get(username) : undefined;
      const remote = (client.conn as Addressed).zmRemote ?? 'unknown';
      const userKey = username ?? '';
      const refuse = (why: string, returnCode: 2 | 4 | 5 = 4, failed = true) => {
        counters.refusedConnects++;
        if (failed) {
          byAddress.fail(remote);
          byUser.fail(userKey);
          byPair.fail(`${userKey}@${remote}`);
        }
        log.warn({ clientId: client.id, username, remote, why }, 'MQTT connect refused');
        done(Object.assign(new Error(why), { returnCode }), false);
      };
      const trusted = knownGood.get(userKey)?.has(remote) ?? false;
      const wait = Math.max(byPair.blockedFor(`${userKey}@${remote}`), trusted ? 0 : Math.max(byAddress.blockedFor(remote), byUser.blockedFor(userKey)));
      if (wait > 0) {
        counters.rateLimitedConnects++;
        return refuse(`too many failed logins; retry in ${Math.ceil(wait / 1000)} s`, 5, false);
      }
      if (!cred || !password) return refuse(cred ? 'no password' : 'unknown gateway');
      verifyPassword(password.toString('utf8'), cred.passwordHash).then((ok) => {
        if (!ok) return refuse('bad password');
        // MQTT 3.1.1 §3.2.2.3: 0x02 is "identifier rejected". Checked after the password, so only a
        // gateway holding the credentials learns that its client id was the problem.
        if (!clientIdAllowed(cred.id, client.id)) {
          counters.foreignClientIds++;
          return refuse(`client id "${client.id.slice(0, 64)}" is not gateway ${cred.id}'s (use "${cred.id}" or "${cred.id}-…")`, 2);
        }
        let good = knownGood.get(userKey);
        if (!good) knownGood.set(userKey, (good = new Set()));
        if (good.size >= 16) good.delete(good.values().next().value!);
        good.add(remote);
        client.zm = { site: cred.site, gateway: cred.id };
        done(null, true);
      }, (err: Error) => refuse(err.message));
    },
    authorizePublish(client: AuthedClient | null, packet, done) {
      if (!client) return done(null); // the ingestor's own publishes
      const why = !client.zm ? 'not authenticated' : packet.payload.length > cfg.maxPacketBytes
        ? `payload of ${packet.payload.length} bytes exceeds ${cfg.maxPacketBytes}` : mayPublish(client.zm, packet.topic);
      if (why) {
        counters.refusedPublishes++;
        log.warn({ clientId: client.id, topic: packet.topic, why }, 'publish refused');
        return done(new Error(why));
      }
      done(null);
    },
    authorizeSubscribe(client: AuthedClient, sub, done) {
      const why = client.zm ? maySubscribe(client.zm, sub.topic) : 'not authenticated';
      if (why) {
        counters.refusedSubscribes++;
        log.warn({ clientId: client.id, topic: sub.topic, why }, 'subscribe refused');
        // MQTT 3.1.1 §3.9.3: a refused subscription is answered with return code 0x80.
        return done(null, null);
      }
      done(null, sub);
    },
  });

  // The limit counts sockets, not MQTT sessions: a socket costs a descriptor and buffers from its
  // first byte, and unauthenticated sockets (each costing an scrypt check) are what a flood is.
  const open = new Set<Duplex>();
  const handle = (socket: Duplex, req?: IncomingMessage) => {
    if (open.size >= cfg.maxConnections) {
      counters.refusedOverLimit++;
      log.warn({ limit: cfg.maxConnections }, 'connection limit reached; refused');
      socket.destroy();
      return;
    }
    const guarded = new PacketSizeGuard(socket, cfg.maxPacketBytes, (announced) => {
      counters.oversizePackets++;
      log.warn({ announced, limit: cfg.maxPacketBytes }, announced === null ? 'malformed remaining length; connection closed' : 'packet over the size limit; connection closed');
    });
    (guarded as Addressed).zmRemote = req?.socket.remoteAddress ?? (socket as Duplex & { remoteAddress?: string }).remoteAddress;
    open.add(guarded);
    guarded.once('close', () => open.delete(guarded));
    broker.handle(guarded, req);
  };

  const servers: { close(cb: () => void): void }[] = [];
  const tcp = createNetServer(handle);
  const port = await listen(tcp, cfg.port, cfg.host, 'mqtt.port');
  servers.push(tcp);
  let tlsPort: number | null = null;
  if (cfg.tls) {
    const tls = createTlsServer({
      cert: readFileSync(cfg.tls.cert), key: readFileSync(cfg.tls.key),
      ...(cfg.tls.ca ? { ca: readFileSync(cfg.tls.ca) } : {}), requestCert: cfg.tls.requestCert,
    }, handle);
    tlsPort = await listen(tls, cfg.tls.port, cfg.host, 'mqtt.tls.port');
    servers.push(tls);
  }
  let wsPort: number | null = null;
  if (cfg.websocket) {
    const http = createHttpServer();
    // A WebSocket message is buffered whole by ws before the guard sees it: cap it at the same size.
    const wss = new WebSocketServer({ server: http, maxPayload: cfg.maxPacketBytes });
    wss.on('connection', (ws, req) => handle(createWebSocketStream(ws), req));
    wsPort = await listen(http, cfg.websocket.port, cfg.host, 'mqtt.websocket.port');
    servers.push({ close: (cb) => { wss.close(); http.close(() => cb()); } });
  }
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err }, 'client error'));
  // Retained, so a gateway learns its limits on subscribing, before it sends a batch.
  const limits = JSON.stringify(gatewayLimits(cfg));
  await Promise.all(gateways.map((g) => new Promise<void>((resolve, reject) => {
    broker.publish({ cmd: 'publish', topic: topics.limits(g.site, g.id), payload: Buffer.from(limits), qos: 1, retain: true, dup: false }, (err) => (err ? reject(err) : resolve()));
  })));
  log.info({ port, tlsPort, wsPort, host: cfg.host }, 'embedded MQTT broker listening');

  return {
    port, tlsPort, wsPort, counters,
    connectedClients: () => broker.connectedClients,
    openConnections: () => open.size,
    subscribe(filter: string, handler: MessageHandler) {
      return new Promise<void>((resolve) => {
        broker.subscribe(filter, (packet: AedesPublishPacket, cb: () => void) => {
          // Retained messages replayed by aedes arrive here too; the handler is idempotent.
          handler(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload))
            .catch((err: Error) => log.error({ err, topic: packet.topic }, 'message handler failed'))
            .finally(cb);
        }, resolve);
      });
    },
    publish(topic, payload, opts) {
      return new Promise<void>((resolve, reject) => {
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: opts.qos, retain: opts.retain ?? false, dup: false }, (err) => (err ? reject(err) : resolve()));
      });
    },
    async close() {
      const closing = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const socket of open) socket.destroy();
      await Promise.all(closing);
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}
