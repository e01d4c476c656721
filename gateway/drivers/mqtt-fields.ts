import type { z } from 'zod';
import type { MeasurementKey } from '../../core/index.ts';
import type { MqttMappingSchema } from '../config.ts';

export type MqttMapping = z.infer<typeof MqttMappingSchema>;

/** `ENERGY.Total`, `aenergy.by_minute.0` or `emeters[1].total` looked up in a parsed JSON payload. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (part === '') continue;
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * A payload timestamp as epoch ms: numbers below 1e11 are taken as seconds (Shelly `minute_ts`,
 * `unixtime`), larger ones as milliseconds; strings as ISO 8601 (Tasmota `Time`, local time when
 * it carries no offset). Anything unreadable gives null, and the receive time is used instead.
 */
export function parseTimestamp(v: unknown): number | null {
  if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) v = Number(v);
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e11 ? Math.round(v * 1000) : Math.round(v);
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/**
 * Maps one JSON payload to measurement values in measurement units. A mapped field missing from
 * the payload is left out (Tasmota and Shelly publish partial payloads); one present but not a
 * number becomes NaN so the reading flags it.
 */
export function mapPayload(mapping: MqttMapping, payload: unknown, receivedAt: number): { values: Partial<Record<MeasurementKey, number>>; ts: number } {
  const values: Partial<Record<MeasurementKey, number>> = {};
  for (const [key, field] of Object.entries(mapping.fields) as [MeasurementKey, string | { path: string; scale: number } | undefined][]) {
    if (field === undefined) continue;
    const { path, scale } = typeof field === 'string' ? { path: field, scale: 1 } : field;
    const raw = getPath(payload, path);
    if (raw === undefined || raw === null) continue;
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    values[key] = n * scale;
  }
  const ts = mapping.timePath ? parseTimestamp(getPath(payload, mapping.timePath)) ?? receivedAt : receivedAt;
  return { values, ts };
}

/** MQTT 3.1.1, 4.7: `+` matches one level, `#` the rest. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
