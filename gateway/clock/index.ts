import path from 'node:path';
import type { Logger } from 'pino';
import type { MeasurementKey, QualityFlag, Reading } from '../../core/index.ts';
import type { Journal } from '../journal/types.ts';
import { buildNotBefore, type NotBefore } from './build-time.ts';
import { GatewayClock, type ClockStatus, type TrustPolicy } from './clock.ts';
import { HeldReadings, type HeldEntry } from './held.ts';
import { systemSources, type ClockSources } from './sources.ts';
import { loadClockState, saveClockState } from './state.ts';

export { GatewayClock, type ClockStatus, type TrustPolicy } from './clock.ts';
export type { ClockSources, NtpState } from './sources.ts';

export interface ClockConfig {
  trust: TrustPolicy;
  maxJumpSeconds: number;
  ingestorToleranceMs: number;
  maxHeldReadings: number;
  /** Where clock.json and clock-held.jsonl live. */
  dir: string;
  /** Test and diagnosis only (ZM_CLOCK_OFFSET_MS): the wall clock is read this far off. */
  offsetMs: number;
}

export interface ClockKitDeps {
  log: Logger;
  journal: Journal;
  /** Readings ready for the journal, in read order. */
  emit(readings: Reading[]): void;
  sources?: ClockSources;
  notBefore?: NotBefore;
}

export interface GatewayClockStatus extends ClockStatus {
  uptime_s: number;
  /** Readings held until the clock is trusted. */
  held: number;
  /** Held readings dropped to clock.maxHeldReadings since start. */
  held_dropped: number;
  /** Readings of an earlier boot that could not be re-stamped, sent flagged clock_unknown since start. */
  unstamped: number;
}

/** The clock with what hangs on it: held readings, saved state, the stream id. */
export interface ClockKit {
  readonly clock: GatewayClock;
  /** Id of this gateway's batch stream (kept with the journal). */
  readonly stream: string;
  /**
   * Takes a reading from the poller: stamped with the trusted time into the journal, or held
   * until the clock is trusted. `meter`: the meter stamped it itself (an MQTT payload's time).
   */
  accept(reading: Reading, stampedBy?: 'gateway' | 'meter'): void;
  /** A poller stamp as the time to show: the trusted time when there is one. */
  display(readTs: number): number;
  status(): GatewayClockStatus;
  alarms(): string[];
  /** Restores what an earlier run held, asks NTP once, starts the checks. */
  start(): Promise<void>;
  close(): void;
}

const SAVE_EVERY_MS = 10 * 60_000;

/** Every measurement of a reading read at an unknown time, flagged so; null when nothing is left to flag. */
function flagClockUnknown(r: Reading): Reading | null {
  const keys = Object.keys(r.values) as MeasurementKey[];
  if (keys.length === 0) return null;
  const quality: Partial<Record<MeasurementKey, QualityFlag>> = { ...r.quality };
  for (const k of keys) quality[k] = 'clock_unknown';
  return { ...r, quality };
}

async function newestInJournal(journal: Journal): Promise<number | null> {
  const st = journal.stats();
  if (st.records === 0 || st.durableSeq < 1) return null;
  try {
    const [rec] = await journal.read(st.durableSeq - 1, 1, Number.MAX_SAFE_INTEGER);
    const q = rec?.reading.quality;
    if (!rec || (q && Object.values(q).includes('clock_unknown'))) return null;
    return rec.reading.ts;
  } catch {
    return null;
  }
}

export async function openClock(cfg: ClockConfig, deps: ClockKitDeps): Promise<ClockKit> {
  const log = deps.log.child({ module: 'clock' });
  const sources = deps.sources ?? systemSources(cfg.offsetMs);
  if (cfg.offsetMs) log.warn({ offsetMs: cfg.offsetMs }, 'ZM_CLOCK_OFFSET_MS set: the wall clock is read off by this much (tests and diagnosis only)');
  const stateFile = path.join(cfg.dir, 'clock.json');
  const state = loadClockState(stateFile, log);
  const fromJournal = await newestInJournal(deps.journal);
  const newest = Math.max(state.newest ?? -Infinity, fromJournal ?? -Infinity);
  const clock = new GatewayClock(sources, {
    policy: cfg.trust, maxJumpMs: cfg.maxJumpSeconds * 1000, ingestorToleranceMs: cfg.ingestorToleranceMs,
    notBefore: deps.notBefore ?? buildNotBefore(), newestRecordTs: Number.isFinite(newest) ? newest : null, log,
  });
  const held = new HeldReadings(path.join(cfg.dir, 'clock-held.jsonl'), cfg.maxHeldReadings, log);
  let unstamped = 0;
  let saveTimer: NodeJS.Timeout | null = null;
  const save = () => saveClockState(stateFile, { stream: state.stream, newest: clock.newestEmitted() }, log);

  const emitTrusted = (readings: Reading[]) => {
    for (const r of readings) clock.noteEmitted(r.ts);
    deps.emit(readings);
  };

  const release = () => {
    const entries = held.take();
    if (entries.length === 0) return;
    const out = entries.map((e) => ({ ...e.r, ts: Math.round(clock.timeAt(e.m)) }));
    log.info({ readings: out.length, from: new Date(out[0]!.ts).toISOString(), to: new Date(out.at(-1)!.ts).toISOString() }, 'held readings re-stamped with the trusted time');
    emitTrusted(out);
    // Forget them on disk only once the journal has them on disk.
    void deps.journal.flush().then(() => held.clearFile(), () => undefined);
  };
  clock.onTrusted(release);

  return {
    clock,
    stream: state.stream,
    accept(reading, stampedBy = 'gateway') {
      if (stampedBy === 'meter') {
        deps.emit([reading]);
        return;
      }
      clock.check();
      const m = clock.monoOf(reading.ts);
      if (clock.isTrusted) emitTrusted([{ ...reading, ts: Math.round(clock.timeAt(m)) }]);
      else held.add({ m, b: sources.bootId, r: reading } satisfies HeldEntry);
    },
    display(readTs) {
      return clock.isTrusted ? Math.round(clock.timeAt(clock.monoOf(readTs))) : readTs;
    },
    status() {
      return { ...clock.status(), uptime_s: Math.round(clock.uptimeMs() / 1000), held: held.size, held_dropped: held.dropped, unstamped };
    },
    alarms() {
      const a: string[] = [];
      if (!clock.isTrusted) a.push('clock_untrusted');
      if (held.dropped > 0) a.push('clock_held_dropped');
      return a;
    },
    async start() {
      const earlier = await held.load();
      // Same boot: the monotonic clock ran on through the restart, so they can still be re-stamped.
      const sameBoot = earlier.filter((e) => e.b !== null && e.b === sources.bootId);
      const lost = earlier.filter((e) => !(e.b !== null && e.b === sources.bootId));
      held.restore(sameBoot);
      if (lost.length) {
        const flagged = lost.map((e) => flagClockUnknown(e.r)).filter((r): r is Reading => r !== null);
        unstamped += lost.length;
        log.warn({ readings: lost.length }, 'readings held before a reboot cannot be re-stamped; sent flagged clock_unknown');
        if (flagged.length) deps.emit(flagged);
      }
      if (sameBoot.length) log.info({ readings: sameBoot.length }, 'readings held before the restart are held again');
      await clock.evaluate();
      clock.start();
      saveTimer = setInterval(save, SAVE_EVERY_MS);
      saveTimer.unref();
      save();
    },
    close() {
      clock.stop();
      if (saveTimer) clearInterval(saveTimer);
      save();
      held.close();
    },
  };
}
