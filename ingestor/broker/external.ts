import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { IngestorConfig } from '../config.ts';
import type { MessageBus, MessageHandler } from './bus.ts';

/**
 * Joins an existing MQTT 5 broker (mosquitto, EMQX, HiveMQ). Batches arrive through a shared
 * subscription `$share/{group}/zm/v1/+/+/batch` (MQTT 5 §4.8.2), so N ingestor replicas split the
 * load and each batch reaches one of them; manifests and status go to every replica.
 *
 * Delivery when a replica dies: the guarantee is end to end, not per hop. The gateway keeps a
 * batch until the ingestor's ack (published only after InfluxDB accepted the points) and resends
 * whatever is not acked within its ack timeout; a resend goes through the shared subscription
 * again and lands on a live replica, and InfluxDB points keyed by series and time make the second
 * write overwrite the first. The broker's own PUBACK cannot give that guarantee: a replica may
 * be killed after receiving a batch and before storing it.
 *
 * So replicas use clean sessions (Clean Start, Session Expiry 0, §3.1.2.4 and §3.1.2.11.2). With
 * a persistent session, a killed replica's session would outlive it and the broker would keep
 * routing its share of batches into that session's queue (mosquitto 2.0 does) where nobody reads
 * them until it returns; with a clean session its subscription ends with its connection and every
 * new batch goes to the replicas still alive. On reconnect mqtt.js subscribes again by itself.
 */
export async function connectExternalBus(ext: NonNullable<IngestorConfig['mqtt']['external']>, log: Logger): Promise<MessageBus> {
  const handlers: { filter: string; subscribed: string; handler: MessageHandler }[] = [];
  const client: MqttClient = mqtt.connect(ext.url, {
    protocolVersion: 5,
    clientId: ext.clientId ?? `zm-ingestor-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    username: ext.username,
    password: ext.password,
    clean: true,
    properties: { sessionExpiryInterval: 0 },
    reconnectPeriod: 1000,
  });
  client.on('error', (err) => log.warn({ err }, 'external MQTT error'));
  client.on('reconnect', () => log.info('external MQTT reconnecting'));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  log.info({ url: ext.url, group: ext.group }, 'connected to external MQTT broker');

  // Messages are handled one at a time per replica; mqtt.js acks a QoS 1 publish once the
  // handler of the 'message' event returns, so the ingestor's own ack topic carries the real
  // end-to-end confirmation.
  let chain = Promise.resolve();
  client.on('message', (topic, payload) => {
    const entry = handlers.find((h) => topicMatches(h.filter, topic));
    if (!entry) return;
    chain = chain.then(() => entry.handler(topic, payload)).catch((err: Error) => log.error({ err, topic }, 'message handler failed'));
  });

  return {
    async subscribe(filter, handler) {
      const subscribed = filter.endsWith('/batch') ? `$share/${ext.group}/${filter}` : filter;
      handlers.push({ filter, subscribed, handler });
      await client.subscribeAsync(subscribed, { qos: 1 });
    },
    async publish(topic, payload, opts) {
      await client.publishAsync(topic, payload, { qos: opts.qos, retain: opts.retain ?? false });
    },
    async close() {
      await chain;
      await client.endAsync();
    },
  };
}

function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
