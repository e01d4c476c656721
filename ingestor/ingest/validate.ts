import { z } from 'zod';
import {
  BatchSchema, ID_PATTERN, MAX_BATCH_READINGS, MEASUREMENTS, ReadingSchema, TimeProbeSchema, formatIssues, isMeasurementKey, type Batch, type Reading,
  type MeasurementKey, type TimeProbe,
} from '../../core/index.ts';
import type { QuarantineReason } from '../../core/api.ts';
import type { KnownMeter } from './directory.ts';

export interface Accepted {
  reading: Reading;
  meter: KnownMeter;
}

export interface Rejected {
  /** The reading as it arrived: it may not even have the shape of one. */
  reading: unknown;
  reason: QuarantineReason;
  detail: string;
}

// The reasons are part of the API's answers (GET /api/v1/quarantine), so core holds the list.
export { QUARANTINE_REASONS, type QuarantineReason } from '../../core/api.ts';

// The batch envelope is checked whole, its readings one by one: one reading with an unknown
// measurement or a non-finite number (JSON `1e999` parses to Infinity) must not cost the good
// readings of the same batch their place in the store.
const BatchEnvelopeSchema = BatchSchema.extend({ readings: z.array(z.unknown()).min(1).max(MAX_BATCH_READINGS) });

export type ParsedBatch =
  /** `seqs`: for a batch with a stream, each reading's journal seq (counted back from the batch's). */
  | { ok: true; batch: Batch; rejected: Rejected[]; seqs: Map<Reading, number> | null }
  /** A batch without readings: the gateway asks for the ingestor's time (core TimeProbeSchema). */
  | { ok: true; probe: TimeProbe }
  | { ok: false; error: string };

/** Parses a batch payload: the envelope with the core schema, then each reading on its own. */
export function parseBatch(payload: Buffer): ParsedBatch {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `payload is not JSON: ${(err as Error).message}` };
  }
  const readingsOf = typeof json === 'object' && json !== null ? (json as { readings?: unknown }).readings : undefined;
  if (Array.isArray(readingsOf) && readingsOf.length === 0) {
    const probe = TimeProbeSchema.safeParse(json);
    return probe.success ? { ok: true, probe: probe.data } : { ok: false, error: formatIssues(probe.error.issues) };
  }
  const env = BatchEnvelopeSchema.safeParse(json);
  if (!env.success) return { ok: false, error: formatIssues(env.error.issues) };
  const readings: Reading[] = [];
  const rejected: Rejected[] = [];
  const seqs = env.data.stream ? new Map<Reading, number>() : null;
  // A stream batch is a run of consecutive journal records ending at its seq.
  const first = env.data.seq - env.data.readings.length + 1;
  env.data.readings.forEach((raw, i) => {
    const plain = plainReading(raw);
    const r = plain ? { success: true as const, data: plain } : ReadingSchema.safeParse(raw);
    if (r.success) {
      readings.push(r.data);
      seqs?.set(r.data, first + i);
    } else rejected.push(classify(raw, formatIssues(r.error.issues)));
  });
  return { ok: true, batch: { ...env.data, readings }, rejected, seqs };
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;

/**
 * The reading as it came, when it is one of the shape nearly every reading has: an id, an integer
 * time, one or more known measurements with finite values, nothing else. It is then exactly what
 * ReadingSchema would return, without the copy and the checks' allocations that cost a fifth of
 * the ingestor's time per batch; anything else (quality flags, a doubtful field) goes to the
 * schema, which also words the refusals. test/unit/ingestor/ingest/plain-reading.test.ts holds
 * the two to the same answers.
 */
export function plainReading(raw: unknown): Reading | null {
  if (!isPlainObject(raw)) return null;
  let keys = 0;
  for (const k in raw) {
    if (k !== 'meter' && k !== 'ts' && k !== 'values') return null;
    keys++;
  }
  const { meter, ts, values } = raw;
  if (keys !== 3 || typeof meter !== 'string' || !ID_PATTERN.test(meter)) return null;
  if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0 || ts > 8.64e15) return null;
  if (!isPlainObject(values)) return null;
  let n = 0;
  for (const k in values) {
    const v = values[k];
    if (!isMeasurementKey(k) || typeof v !== 'number' || !Number.isFinite(v)) return null;
    n++;
  }
  return n > 0 ? (raw as Reading) : null;
}

function classify(raw: unknown, issues: string): Rejected {
  const values = typeof raw === 'object' && raw !== null ? (raw as { values?: unknown }).values : undefined;
  if (typeof values === 'object' && values !== null) {
    const entries = Object.entries(values);
    const unknown = entries.find(([k]) => !isMeasurementKey(k));
    if (unknown) return { reading: raw, reason: 'unknown_measurement', detail: `"${unknown[0]}" is not in the measurement table` };
    const nonFinite = entries.find(([, v]) => typeof v === 'number' && !Number.isFinite(v));
    if (nonFinite) return { reading: raw, reason: 'non_finite_value', detail: `${nonFinite[0]} is ${nonFinite[1]}, not a finite number` };
  }
  return { reading: raw, reason: 'invalid_reading', detail: issues };
}

export interface ValidationLimits {
  now: number;
  maxFutureMs: number;
  maxAgeMs: number;
}

/**
 * Splits a schema-valid batch into readings that can be stored and readings that must be
 * quarantined. A reading is judged on its own, so one bad meter never costs the others their data.
 */
export function validateBatch(batch: Batch, lookup: (meter: string) => KnownMeter | undefined, limits: ValidationLimits): { accepted: Accepted[]; rejected: Rejected[] } {
  const accepted: Accepted[] = [];
  const rejected: Rejected[] = [];
  for (const reading of batch.readings) {
    const meter = lookup(reading.meter);
    if (!meter) {
      rejected.push({ reading, reason: 'unknown_meter', detail: `meter "${reading.meter}" is not in gateway ${batch.gateway}'s manifest` });
      continue;
    }
    if (meter.gateway !== batch.gateway) {
      rejected.push({ reading, reason: 'foreign_meter', detail: `meter "${reading.meter}" belongs to gateway ${meter.gateway}, not ${batch.gateway}` });
      continue;
    }
    // Loops rather than Object.entries: these run for every value of every reading, and the
    // arrays entries() builds were a good share of the ingestor's garbage.
    let unknownTime = false;
    if (reading.quality) for (const k in reading.quality) if (reading.quality[k as MeasurementKey] === 'clock_unknown') unknownTime = true;
    if (unknownTime) {
      rejected.push({
        reading, reason: 'clock_unknown',
        detail: `read while gateway ${batch.gateway}'s clock was unverified and never re-stamped (it restarted across a reboot); ts ${new Date(reading.ts).toISOString()} is only what its clock said`,
      });
      continue;
    }
    if (reading.ts > limits.now + limits.maxFutureMs) {
      rejected.push({ reading, reason: 'future_timestamp', detail: `ts ${new Date(reading.ts).toISOString()} is ${Math.round((reading.ts - limits.now) / 1000)} s ahead of the ingestor's clock` });
      continue;
    }
    if (reading.ts < limits.now - limits.maxAgeMs) {
      rejected.push({ reading, reason: 'too_old', detail: `ts ${new Date(reading.ts).toISOString()} is before the retention window` });
      continue;
    }
    let bad: string | null = null;
    let values = 0;
    for (const k in reading.values) {
      values++;
      const v = reading.values[k as MeasurementKey]!;
      if (!isMeasurementKey(k) || v < MEASUREMENTS[k].min || v > MEASUREMENTS[k].max) {
        bad = k;
        break;
      }
    }
    if (bad !== null) {
      rejected.push({ reading, reason: 'value_out_of_range', detail: `${bad}=${reading.values[bad as MeasurementKey]} is outside what a meter can report` });
      continue;
    }
    if (values === 0) continue; // only quality flags: nothing to store
    accepted.push({ reading, meter });
  }
  return { accepted, rejected };
}
