import type { MeasurementKey } from '../../core/index.ts';

/** What one read of one meter gives, whatever its protocol. */
export interface MeterRead {
  values: Partial<Record<MeasurementKey, number>>;
  /** When the last answer arrived. */
  ts: number;
  /** Status alarms the meter reported in its answer (e.g. valve_closed, battery_low). */
  alarms?: readonly string[];
}

/**
 * One complete read of one meter within `timeoutMs` per transaction. Throws the protocol's
 * error; its class (timeout, transient, permanent) decides retry and backoff (failures.ts).
 */
export type ReadMeter = (timeoutMs: number) => Promise<MeterRead>;
