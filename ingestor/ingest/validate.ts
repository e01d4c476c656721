import { MEASUREMENTS, isMeasurementKey, type Batch, type Reading } from '../../core/index.ts';
import type { KnownMeter } from './directory.ts';

export interface Accepted {
  reading: Reading;
  meter: KnownMeter;
}

export interface Rejected {
  reading: Reading;
  reason: QuarantineReason;
  detail: string;
}

export const QUARANTINE_REASONS = [
  'invalid_payload', 'foreign_gateway', 'unknown_meter', 'future_timestamp', 'too_old', 'value_out_of_range',
  'store_refused',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

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
    if (!meter || meter.gateway !== batch.gateway) {
      rejected.push({ reading, reason: 'unknown_meter', detail: `meter "${reading.meter}" is not in gateway ${batch.gateway}'s manifest` });
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
    const bad = Object.entries(reading.values).find(([k, v]) => {
      if (!isMeasurementKey(k)) return true;
      const def = MEASUREMENTS[k];
      return v < def.min || v > def.max;
    });
    if (bad) {
      rejected.push({ reading, reason: 'value_out_of_range', detail: `${bad[0]}=${bad[1]} is outside what a meter can report` });
      continue;
    }
    if (Object.keys(reading.values).length === 0) continue; // only quality flags: nothing to store
    accepted.push({ reading, meter });
  }
  return { accepted, rejected };
}
