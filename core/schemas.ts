import { z } from 'zod';
import { Id } from './ids.ts';
import { MEASUREMENT_KEYS, isMeasurementKey } from './measurements.ts';
import { ENERGY_KIND_KEYS, END_USE_KEYS, FACILITY_KEYS, ZONE_KEYS } from './vocabulary.ts';
import { WIRE_VERSION } from './wire.ts';

export { WIRE_VERSION };

export const EnergyKindSchema = z.enum(ENERGY_KIND_KEYS);
export const ZoneSchema = z.enum(ZONE_KEYS);
export const EndUseSchema = z.enum(END_USE_KEYS);
export const FacilitySchema = z.enum(FACILITY_KEYS);
export const MeasurementKeySchema = z.enum(MEASUREMENT_KEYS);

// Why a value was left out of `values`, or why it is doubtful. clock_unknown: read while the
// gateway's clock was unverified and never re-stamped (the gateway restarted across a reboot, so
// its monotonic clock no longer says when); `ts` is then only what the board's clock said.
export const QUALITY_FLAGS = ['nan', 'out_of_range', 'counter_decreased', 'read_error', 'clock_unknown'] as const;
export const QualityFlagSchema = z.enum(QUALITY_FLAGS);
export type QualityFlag = z.infer<typeof QualityFlagSchema>;

/** Milliseconds since the epoch, UTC; an integer. */
export const EpochMs = z.number().int().min(0).max(8.64e15);

const ValuesSchema = z.record(z.string(), z.number()).superRefine((values, ctx) => {
  for (const [key, value] of Object.entries(values)) {
    if (!isMeasurementKey(key)) ctx.addIssue({ code: 'custom', path: [key], message: `unknown measurement "${key}"` });
    else if (!Number.isFinite(value)) ctx.addIssue({ code: 'custom', path: [key], message: 'expected a finite number' });
  }
});

export const ReadingSchema = z.object({
  meter: Id,
  ts: EpochMs,
  values: ValuesSchema,
  quality: z.partialRecord(MeasurementKeySchema, QualityFlagSchema).optional(),
});
export type Reading = z.infer<typeof ReadingSchema>;

export const MAX_BATCH_READINGS = 10_000;

export const BatchSchema = z.object({
  v: z.literal(WIRE_VERSION),
  site: Id,
  gateway: Id,
  seq: z.number().int().min(1),
  sent: EpochMs,
  /**
   * Set by a gateway sending its journal in read order: an id of that journal. The batch is then
   * a run of consecutive journal records (reading i of n has seq `seq − n + 1 + i`), and the
   * ingestor refuses a meter's reading stamped before one that came earlier in the same stream
   * (out_of_order). Without it (backfills, imports) no order is assumed: late history is welcome.
   */
  stream: z.string().min(1).max(64).optional(),
  readings: z.array(ReadingSchema).min(1).max(MAX_BATCH_READINGS),
});
export type Batch = z.infer<typeof BatchSchema>;

/**
 * A batch with no readings asks the ingestor for its time: it is acked at once (status ok,
 * nothing stored) with `time` set. A gateway whose clock is not yet trusted sends one, with a seq
 * outside its journal's range so the ack can never release a journal record. An ingestor older
 * than `time` quarantines it as invalid_payload and acks without `time`; the gateway then stops asking.
 */
export const TimeProbeSchema = BatchSchema.omit({ readings: true, stream: true }).extend({ readings: z.array(z.unknown()).max(0) });
export type TimeProbe = z.infer<typeof TimeProbeSchema>;

export const AckSchema = z.object({
  v: z.literal(WIRE_VERSION),
  seq: z.number().int().min(1),
  // ok: stored; quarantined: kept aside by the ingestor with `reason`. Both end the batch's
  // life on the gateway: a quarantined batch would never become valid by resending it.
  status: z.enum(['ok', 'quarantined']),
  stored: z.number().int().min(0),
  quarantined: z.number().int().min(0),
  reason: z.string().optional(),
  /**
   * The ingestor's clock when it sent the ack (ms UTC). Optional: older ingestors leave it out and
   * older gateways ignore it. A gateway without a trusted clock takes its time from it.
   */
  time: EpochMs.optional(),
});
export type Ack = z.infer<typeof AckSchema>;

// What the ingestor accepts from this gateway, retained on zm/v1/{site}/{gateway}/limits so the
// gateway learns it before its first batch: a batch over max_packet_bytes would cost the gateway
// its connection, every time it was resent.
export const LimitsSchema = z.object({
  v: z.literal(WIRE_VERSION),
  /** Largest MQTT packet the broker takes (fixed header, topic and payload). */
  max_packet_bytes: z.number().int().min(1024),
  max_batch_readings: z.number().int().min(1).max(MAX_BATCH_READINGS),
});
export type Limits = z.infer<typeof LimitsSchema>;

export const ManifestMeterSchema = z.object({
  id: Id,
  building: Id,
  kind: EnergyKindSchema,
  model: z.string().min(1),
  zone: ZoneSchema,
  end_use: EndUseSchema,
  facility: FacilitySchema.optional(),
  parent: Id.optional(),
  role: z.enum(['main', 'sub']).default('sub'),
  multiplier: z.number().positive().default(1),
  interval_ms: z.number().int().positive().optional(),
  name: z.string().optional(),
  /**
   * Rated maximum of the meter (kW for energy, m³/h for water and gas): a counter step that would
   * need more is refused as counter_jump. Without it the ingestor uses a per-kind default.
   */
  max_power_kw: z.number().positive().optional(),
  max_flow_m3h: z.number().positive().optional(),
});
export type ManifestMeter = z.infer<typeof ManifestMeterSchema>;

// A meter swapped in the field: the old meter's last counter values and the new one's first, so
// usage across the swap is (old_final − previous) + (next − new_first), never a negative jump.
export const ReplacementSchema = z.object({
  meter: Id,
  at: EpochMs,
  old_final: z.partialRecord(MeasurementKeySchema, z.number()),
  new_first: z.partialRecord(MeasurementKeySchema, z.number()),
});
export type Replacement = z.infer<typeof ReplacementSchema>;

export const ManifestSchema = z.object({
  v: z.literal(WIRE_VERSION),
  site: Id,
  gateway: Id,
  ts: EpochMs,
  meters: z.array(ManifestMeterSchema),
  replacements: z.array(ReplacementSchema).default([]),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const StatusSchema = z.object({
  v: z.literal(WIRE_VERSION),
  site: Id,
  gateway: Id,
  ts: EpochMs,
  state: z.enum(['online', 'offline']),
  version: z.string().optional(),
  uptime_s: z.number().min(0).optional(),
  meters: z.object({ total: z.number().int().min(0), online: z.number().int().min(0) }).optional(),
  journal: z.object({
    records: z.number().int().min(0),
    bytes: z.number().int().min(0),
    oldest_unacked_ms: z.number().min(0).nullable(),
    dropped_records: z.number().int().min(0).default(0),
  }).optional(),
  alarms: z.array(z.string()).default([]),
});
export type Status = z.infer<typeof StatusSchema>;
