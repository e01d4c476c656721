import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { connectMqtt } from '../drivers/mqtt-connect.ts';
import type { Logger } from 'pino';
import type { Manifest, Status } from '../../core/index.ts';
import { topics } from '../../core/wire.ts';
import type { GatewayConfig } from '../config.ts';
import type { UplinkStats } from './stats.ts';

export interface ConnectionDeps {
  log: Logger;
  /** Shared with the rest of the uplink: state, connectedSince, reconnects and lastError are kept here. */
  stats: UplinkStats;
  manifest: () => Manifest;
  status: (state: 'online' | 'offline') => Status;
  now: () => number;
  /** Backoff bounds for reconnects, ms. */
  backoff?: { minMs: number; maxMs: number };
  /** The connection is set up: subscribed to acks and limits, manifest and status published. */
  onOnline(): void;
  onMessage(topic: string, payload: Buffer): void;
  /** The connection went down (not yet marked offline): what was unacked in it is still known. */
  onLost(): void;
}

/**
 * The uplink's MQTT connection: connect with the gateway's identity and last will, subscribe to
 * its ack and limits topics, publish the retained manifest and status, reconnect with backoff
 * when the connection goes down, and say goodbye (offline status) on stop.
 */
export class UplinkConnection {
  private current: MqttClient | null = null;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly cfg: GatewayConfig['uplink'];

  constructor(private readonly config: GatewayConfig, private readonly deps: ConnectionDeps) {
    this.cfg = config.uplink;
  }

  /** The client while the connection is up and not stopped; null otherwise. */
  get client(): MqttClient | null {
    return this.current && this.deps.stats.state === 'online' && !this.stopped ? this.current : null;
  }

  start(): void {
    this.connect();
    this.statusTimer = setInterval(() => this.publishStatus(), 10_000);
    this.statusTimer.unref();
  }

  private options(): IClientOptions {
    const tls = this.cfg.tls;
    return {
      // The ingestor binds client ids to the gateway's user name (`<gateway>` or `<gateway>-…`), so
      // no other gateway can take this session over.
      clientId: this.config.gateway,
      username: this.cfg.username,
      password: this.cfg.password,
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      // mqtt-packet otherwise fills a table of 65,536 two-byte Buffers (6 MB of heap, a tenth of a
      // small board's budget) to save allocating packet ids; the gateway sends a batch a second.
      writeCache: false,
      // Reconnects are scheduled here with exponential backoff and jitter instead of mqtt.js's
      // fixed period, so a fleet of gateways does not stampede an ingestor that comes back.
      reconnectPeriod: 0,
      ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
      ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
      ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
      will: {
        topic: topics.status(this.config.site, this.config.gateway),
        payload: Buffer.from(JSON.stringify(this.deps.status('offline'))),
        qos: 1,
        retain: true,
      },
    };
  }

  private connect(): void {
    if (this.stopped) return;
    const stats = this.deps.stats;
    stats.state = 'connecting';
    const client = connectMqtt(this.cfg.url, this.options());
    this.current = client;
    client.on('connect', () => void this.onConnect(client));
    client.on('message', (topic, payload) => this.deps.onMessage(topic, payload));
    client.on('error', (err) => {
      stats.lastError = err.message;
      this.deps.log.warn({ err: err.message }, 'uplink error');
    });
    client.on('close', () => this.onClose(client));
  }

  private async onConnect(client: MqttClient): Promise<void> {
    const { stats, log } = this.deps;
    this.attempt = 0;
    stats.state = 'online';
    stats.connectedSince = this.deps.now();
    log.info({ url: this.cfg.url }, 'uplink connected');
    const { site, gateway } = this.config;
    try {
      const granted = await client.subscribeAsync(topics.ack(site, gateway), { qos: 1 });
      if (granted.some((g) => g.qos === 128)) throw new Error('the broker refused the ack subscription');
      // An external broker may not offer limits; then the config's batch.maxBytes is the limit.
      const limits = await client.subscribeAsync(topics.limits(site, gateway), { qos: 1 }).catch(() => []);
      if (limits.some((g) => g.qos === 128)) log.debug('no limits topic on this broker; using batch.maxBytes');
      await client.publishAsync(topics.manifest(site, gateway), JSON.stringify(this.deps.manifest()), { qos: 1, retain: true });
      await client.publishAsync(topics.status(site, gateway), JSON.stringify(this.deps.status('online')), { qos: 1, retain: true });
    } catch (err) {
      stats.lastError = (err as Error).message;
      log.error({ err: (err as Error).message }, 'uplink setup failed; reconnecting');
      client.end(true);
      return;
    }
    this.deps.onOnline();
  }

  private onClose(client: MqttClient): void {
    if (client !== this.current) return;
    const stats = this.deps.stats;
    if (stats.state === 'online') this.deps.log.warn('uplink lost');
    this.deps.onLost();
    stats.state = this.stopped ? 'stopped' : 'offline';
    stats.connectedSince = null;
    this.current = null;
    client.removeAllListeners('connect');
    client.removeAllListeners('message');
    client.end(true);
    if (this.stopped) return;
    const { minMs, maxMs } = this.deps.backoff ?? { minMs: 500, maxMs: 30_000 };
    const base = Math.min(maxMs, minMs * 2 ** this.attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    stats.reconnects++;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  publishStatus(): void {
    const client = this.client;
    if (client) client.publish(topics.status(this.config.site, this.config.gateway), JSON.stringify(this.deps.status('online')), { qos: 1, retain: true });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    const client = this.current;
    if (client) {
      if (client.connected) {
        await client.publishAsync(topics.status(this.config.site, this.config.gateway), JSON.stringify(this.deps.status('offline')), { qos: 1, retain: true }).catch(() => undefined);
      }
      await client.endAsync().catch(() => undefined);
    }
    this.deps.stats.state = 'stopped';
  }
}
