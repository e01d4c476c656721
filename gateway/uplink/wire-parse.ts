import type { Ack, Limits } from '../../core/index.ts';
import { WIRE_VERSION } from '../../core/wire.ts';

// What the gateway receives (ack, limits), checked by hand to the rules of core/schemas.ts's
// AckSchema and LimitsSchema: zod would stay in the gateway's memory for the life of the process
// for two small messages (test/unit/gateway/uplink/wire-parse.test.ts holds them to the schemas).

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

// core/schemas.ts MAX_BATCH_READINGS and EpochMs's bound.
const MAX_BATCH_READINGS = 10_000;
const MAX_EPOCH_MS = 8.64e15;

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

function json(payload: Buffer | string): Parsed<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `payload is not JSON: ${(err as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: '(root): expected an object' };
  return { ok: true, value: v as Record<string, unknown> };
}

function problems(checks: [string, boolean, string][]): string | null {
  const bad = checks.filter(([, ok]) => !ok).map(([field, , why]) => `${field}: ${why}`);
  return bad.length ? bad.join('; ') : null;
}

export function parseAck(payload: Buffer | string): Parsed<Ack> {
  const j = json(payload);
  if (!j.ok) return j;
  const o = j.value;
  const error = problems([
    ['v', o.v === WIRE_VERSION, `expected ${WIRE_VERSION}`],
    ['seq', isInt(o.seq, 1), 'expected an integer ≥ 1'],
    ['status', o.status === 'ok' || o.status === 'quarantined', 'expected "ok" or "quarantined"'],
    ['stored', isInt(o.stored, 0), 'expected an integer ≥ 0'],
    ['quarantined', isInt(o.quarantined, 0), 'expected an integer ≥ 0'],
    ['reason', o.reason === undefined || typeof o.reason === 'string', 'expected a string'],
    ['time', o.time === undefined || isInt(o.time, 0, MAX_EPOCH_MS), 'expected ms since the epoch'],
  ]);
  if (error) return { ok: false, error };
  const ack: Ack = {
    v: WIRE_VERSION, seq: o.seq as number, status: o.status as Ack['status'], stored: o.stored as number, quarantined: o.quarantined as number,
    ...(o.reason === undefined ? {} : { reason: o.reason as string }),
    ...(o.time === undefined ? {} : { time: o.time as number }),
  };
  return { ok: true, value: ack };
}

export function parseLimits(payload: Buffer | string): Parsed<Limits> {
  const j = json(payload);
  if (!j.ok) return j;
  const o = j.value;
  const error = problems([
    ['v', o.v === WIRE_VERSION, `expected ${WIRE_VERSION}`],
    ['max_packet_bytes', isInt(o.max_packet_bytes, 1024), 'expected an integer ≥ 1024'],
    ['max_batch_readings', isInt(o.max_batch_readings, 1, MAX_BATCH_READINGS), `expected an integer from 1 to ${MAX_BATCH_READINGS}`],
  ]);
  if (error) return { ok: false, error };
  return { ok: true, value: { v: WIRE_VERSION, max_packet_bytes: o.max_packet_bytes as number, max_batch_readings: o.max_batch_readings as number } };
}
