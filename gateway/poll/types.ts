export interface MeterState {
  id: string;
  bus: string;
  online: boolean;
  lastReadTs: number | null;
  consecutiveErrors: number;
  lastError: string | null;
  state: 'ok' | 'retrying' | 'backoff' | 'unknown';
  reads: number;
  errors: number;
  /** How long the last attempt (all its transactions and retries within) took, ms. */
  lastDurationMs?: number | null;
  /** Class of the last failure (gateway/poll/failures.ts); null once a read succeeds again. */
  lastErrorClass?: 'timeout' | 'transient' | 'permanent' | null;
  /** Status alarms the meter itself reported in its last answer (CJ/T 188 ST: valve, battery). */
  alarms?: string[];
}
