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
  /** Status alarms the meter itself reported in its last answer (CJ/T 188 ST: valve, battery). */
  alarms?: string[];
}
