import { connectMqtt } from './mqtt-connect.ts';
import type { Logger } from 'pino';
import type { MeasurementKey } from '../../core/index.ts';
import type { BusConfig, MeterConfig } from '../config.ts';
import { mapPayload, topicMatches } from './mqtt-fields.ts';

export { getPath, mapPayload, parseTimestamp, topicMatches } from './mqtt-fields.ts';

export interface MqttMeterSource {
  stop(): Promise<void>;
}

export interface MqttMeterDeps {
  log: Logger;
  now: () => number;
  onValues(meter: MeterConfig, values: Partial<Record<MeasurementKey, number>>, ts: number): void;
  onError?(meter: MeterConfig, error: string): void;
}

/**
 * Subscribes to the topics of every meter on one MQTT bus (a Tasmota, Shelly or similar broker)
 * and turns each JSON payload into measurement values. mqtt.js reconnects by itself; topics are
 * subscribed again on every connect so a broker without persistent sessions still delivers.
 */
export function startMqttMeters(bus: Extract<BusConfig, { type: 'mqtt' }>, meters: readonly MeterConfig[], deps: MqttMeterDeps): MqttMeterSource {
  const log = deps.log.child({ bus: bus.id });
  const mapped = meters.filter((m) => m.mqtt);
  const topics = [...new Set(mapped.map((m) => m.mqtt!.topic))];
  const client = connectMqtt(bus.url, {
    username: bus.username,
    password: bus.password,
    reconnectPeriod: 1000,
    connectTimeout: Math.max(bus.timeoutMs, 1000),
    clientId: `zm-meters-${bus.id}-${Math.random().toString(16).slice(2, 10)}`,
  });
  client.on('connect', () => {
    log.info({ topics }, 'connected to meter broker');
    client.subscribe(topics, { qos: 0 }, (err) => {
      if (err) log.error({ err }, 'subscribe failed');
    });
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'meter broker error'));
  client.on('message', (topic, payload) => {
    const receivedAt = deps.now();
    const targets = mapped.filter((m) => topicMatches(m.mqtt!.topic, topic));
    if (targets.length === 0) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      for (const m of targets) {
        log.child({ meter: m.id }).warn({ topic }, 'payload is not JSON');
        deps.onError?.(m, 'payload is not JSON');
      }
      return;
    }
    for (const m of targets) {
      const { values, ts } = mapPayload(m.mqtt!, json, receivedAt);
      if (Object.keys(values).length === 0) {
        deps.onError?.(m, 'no mapped field in payload');
        continue;
      }
      try {
        deps.onValues(m, values, ts);
      } catch (err) {
        log.child({ meter: m.id }).error({ err }, 'reading consumer failed');
      }
    }
  });
  return {
    stop: () => new Promise<void>((resolve) => {
      client.end(true, {}, () => resolve());
    }),
  };
}
