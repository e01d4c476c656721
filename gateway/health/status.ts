import type { MeasurementKey } from '../../core/index.ts';
import type { GatewayClockStatus } from '../clock/index.ts';
import type { GatewayConfig } from '../config.ts';
import type { JournalStats } from '../journal/types.ts';
import type { MeterState } from '../poll/index.ts';
import type { UplinkStats } from '../uplink/stats.ts';

/** What a meter is doing, in the words the console shows: the scheduler's state plus timing. */
export type MeterCondition = 'waiting' | 'ok' | 'slow' | 'failing' | 'backed_off' | 'silent';

/**
 * `slow`: it answers, but its reads take more than half its timeout, or its last good read is
 * older than two intervals (a line too busy for its schedule) — the meter a timeout will soon
 * fail. `failing`: reads fail and are being retried. `backed_off`: so many failed that it is only
 * probed now and then. `silent`: a pushed (MQTT) meter that stopped publishing.
 */
export function meterCondition(m: MeterState, intervalMs: number, timeoutMs: number, now: number): MeterCondition {
  if (m.state === 'backoff') return 'backed_off';
  if (m.state === 'retrying') return 'failing';
  if (m.state === 'unknown') return m.lastReadTs === null ? (m.errors > 0 ? 'failing' : 'waiting') : 'silent';
  if ((m.lastDurationMs ?? 0) > timeoutMs / 2) return 'slow';
  if (m.lastReadTs !== null && now - m.lastReadTs > 2 * intervalMs + timeoutMs) return 'slow';
  return 'ok';
}

/** A bus's settings in one line, as `gateway check` prints them. */
export function busSettings(b: GatewayConfig['buses'][number]): string {
  switch (b.type) {
    case 'rtu': return `${b.path} ${b.baud} ${b.dataBits}${b.parity[0]!.toUpperCase()}${b.stopBits}`;
    case 'mqtt': return b.url;
    default: return `${b.host}:${b.port}`;
  }
}

type MeterConfig = GatewayConfig['meters'][number];
type BusConfig = GatewayConfig['buses'][number];

/**
 * The body of GET /api/v1/status. The console page imports these types (`import type` only, so
 * none of the gateway enters its bundle): a field renamed here fails the page's type check.
 */
export interface GatewayStatus {
  site: string;
  gateway: string;
  clock: StatusClock;
  /** Absent when the gateway was built without its config (tests). */
  buses?: StatusBus[];
  meters: StatusMeter[];
  journal: StatusJournal;
  uplink: StatusUplink;
}

/** Trust, source and held readings come from gateway/clock, when the gateway has one. */
export interface StatusClock extends Partial<Omit<GatewayClockStatus, 'now' | 'uptime_s'>> {
  now: number;
  iso: string;
  uptime_s: number;
}

export interface StatusBus {
  id: string;
  type: BusConfig['type'];
  settings: string;
  timeout_ms: number;
  inter_frame_delay_ms: number;
  meters: number;
  utilisation: number | null;
}

/** The scheduler's view of a meter; the fields from `name` on are there when the config names the meter. */
export interface StatusMeter {
  id: string;
  bus: string;
  online: boolean;
  state: MeterState['state'];
  last_read: number | null;
  consecutive_errors: number;
  last_error: string | null;
  reads: number;
  errors: number;
  alarms?: string[];
  name?: string | null;
  model?: string;
  protocol?: MeterConfig['protocol'];
  address?: string | number | null;
  kind?: NonNullable<MeterConfig['kind']> | null;
  zone?: MeterConfig['zone'];
  end_use?: MeterConfig['endUse'];
  interval_ms?: number;
  condition?: MeterCondition;
  last_error_class?: NonNullable<MeterState['lastErrorClass']> | null;
  last_duration_ms?: number | null;
  age_ms?: number | null;
  values?: Partial<Record<MeasurementKey, number>>;
}

export interface StatusJournal {
  records: number;
  bytes: number;
  first_seq: number | null;
  last_seq: number;
  acked_seq: number;
  oldest_unacked_age_ms: number | null;
  dropped_records: number;
  torn_records_skipped: number;
  alarms: string[];
}

export type StatusUplink = UplinkStats;

export interface StatusSources {
  site: string;
  gateway: string;
  startedAt: number;
  now(): number;
  meters(): MeterState[];
  journal(): JournalStats;
  uplink(): UplinkStats;
  /** Whether the clock is trusted and why (gateway/clock), merged into the status's clock object. */
  clock?(): GatewayClockStatus;
  /** The config the gateway runs: buses and meters as the engineer wrote them. */
  config?: GatewayConfig;
  /** Line utilisation per polled bus. */
  buses?(): { id: string; utilisation: number }[];
  /** The last values each meter gave. */
  values?(meter: string): Partial<Record<MeasurementKey, number>> | undefined;
}

export function statusBody(src: StatusSources): GatewayStatus {
  const now = src.now();
  const j = src.journal();
  const cfg = src.config;
  const meterCfg = new Map(cfg?.meters.map((m) => [m.id, m]));
  const busCfg = new Map(cfg?.buses.map((b) => [b.id, b]));
  const use = new Map(src.buses?.().map((b) => [b.id, b.utilisation]));
  const states = src.meters();
  return {
    site: src.site, gateway: src.gateway,
    clock: { now, iso: new Date(now).toISOString(), uptime_s: Math.round((now - src.startedAt) / 1000), ...src.clock?.() },
    ...(cfg ? {
      buses: cfg.buses.map((b) => ({
        id: b.id, type: b.type, settings: busSettings(b), timeout_ms: b.timeoutMs, inter_frame_delay_ms: b.interFrameDelayMs,
        meters: cfg.meters.filter((m) => m.bus === b.id).length,
        // null: not a line the gateway drives (MQTT), or nothing polls it.
        utilisation: use.has(b.id) ? Math.round(use.get(b.id)! * 1000) / 1000 : null,
      })),
    } : {}),
    meters: states.map((m) => {
      const c = meterCfg.get(m.id);
      const timeoutMs = c?.timeoutMs ?? busCfg.get(m.bus)?.timeoutMs ?? 1000;
      return {
        id: m.id, bus: m.bus, online: m.online, state: m.state, last_read: m.lastReadTs,
        consecutive_errors: m.consecutiveErrors, last_error: m.lastError, reads: m.reads, errors: m.errors,
        // Status bits the meter itself reports (CJ/T 188 ST: valve, battery).
        ...(m.alarms?.length ? { alarms: m.alarms } : {}),
        ...(c ? {
          name: c.name ?? null, model: c.model, protocol: c.protocol, address: c.protocol === 'modbus' ? c.unitId ?? null : c.address ?? c.secondary ?? null,
          kind: c.kind ?? null, zone: c.zone, end_use: c.endUse, interval_ms: c.intervalMs,
          condition: meterCondition(m, c.intervalMs, timeoutMs, now),
          last_error_class: m.lastErrorClass ?? null, last_duration_ms: m.lastDurationMs ?? null,
          age_ms: m.lastReadTs === null ? null : Math.max(0, now - m.lastReadTs),
          values: src.values?.(m.id) ?? {},
        } : {}),
      };
    }),
    journal: {
      records: j.records, bytes: j.bytes, first_seq: j.firstSeq, last_seq: j.lastSeq, acked_seq: j.ackedSeq,
      oldest_unacked_age_ms: j.oldestUnackedTs === null ? null : now - j.oldestUnackedTs,
      dropped_records: j.droppedRecords, torn_records_skipped: j.tornRecordsSkipped, alarms: j.alarms,
    },
    uplink: src.uplink(),
  };
}
