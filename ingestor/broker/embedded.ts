import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { GatewayCredential, IngestorConfig } from '../config.ts';
import { mayPublish, maySubscribe, type GatewayIdentity } from './acl.ts';
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

function listen(server: Server | ReturnType<typeof createHttpServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * The embedded aedes broker: per-gateway credentials (scrypt hashes), an ACL that keeps every
 * gateway inside its own topics, a connection limit and a packet size limit.
 */
export async function startEmbeddedBroker(cfg: IngestorConfig['mqtt'], gateways: readonly GatewayCredential[], log: Logger): Promise<EmbeddedBroker> {
  const creds = new Map(gateways.map((g) => [g.id, g]));
  const counters: BrokerCounters = { refusedConnects: 0, refusedPublishes: 0, refusedSubscribes: 0, refusedOverLimit: 0, oversizePackets: 0 };
  const broker = await Aedes.createBroker({
    authenticate(client: AuthedClient, username, password, done) {
      const cred = username ? creds.get(username) : undefined;
      const refuse = (why: string) => {
        counters.refusedConnects++;
        log.warn({ clientId: client.id, username, why }, 'MQTT connect refused');
        const err = Object.assign(new Error(why), { returnCode: 4 as const });
        done(err, false);
      };
      if (!cred || !password) return refuse(cred ? 'no password' : 'unknown gateway');
      verifyPassword(password.toString('utf8'), cred.passwordHash).then((ok) => {
        if (!ok) return refuse('bad password');
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
    open.add(guarded);
    guarded.once('close', () => open.delete(guarded));
    broker.handle(guarded, req);
  };

  const servers: { close(cb: () => void): void }[] = [];
  const tcp = createNetServer(handle);
  const port = await listen(tcp, cfg.port, cfg.host);
  servers.push(tcp);
  let tlsPort: number | null = null;
  if (cfg.tls) {
    const tls = createTlsServer({
      cert: readFileSync(cfg.tls.cert), key: readFileSync(cfg.tls.key),
      ...(cfg.tls.ca ? { ca: readFileSync(cfg.tls.ca) } : {}), requestCert: cfg.tls.requestCert,
    }, handle);
    tlsPort = await listen(tls, cfg.tls.port, cfg.host);
    servers.push(tls);
  }
  let wsPort: number | null = null;
  if (cfg.websocket) {
    const http = createHttpServer();
    // A WebSocket message is buffered whole by ws before the guard sees it: cap it at the same size.
    const wss = new WebSocketServer({ server: http, maxPayload: cfg.maxPacketBytes });
    wss.on('connection', (ws, req) => handle(createWebSocketStream(ws), req));
    wsPort = await listen(http, cfg.websocket.port, cfg.host);
    servers.push({ close: (cb) => { wss.close(); http.close(() => cb()); } });
  }
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err }, 'client error'));
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
