import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** What the system says about NTP: synchronised, not (yet), or nothing it can tell. */
export type NtpState = 'synced' | 'unsynced' | 'unknown';

/** The clocks a gateway reads; tests hand in fakes. */
export interface ClockSources {
  /** The wall clock, ms since the epoch (the system's, plus any diagnostic offset). */
  wall(): number;
  /**
   * A monotonic clock in ms. CLOCK_MONOTONIC counts from boot, so it survives a restart of the
   * process (not of the board): a reading held before a restart can still be re-stamped after it.
   */
  mono(): number;
  /** Identifies this boot: a monotonic value is only comparable within one. Null when unknown. */
  bootId: string | null;
  ntp(): Promise<NtpState>;
}

const hrMs = () => Number(process.hrtime.bigint()) / 1e6;

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * NTP state as systemd reports it. `timedatectl` gives the kernel's own flag (adjtimex without
 * STA_UNSYNC), whichever NTP client set it (timesyncd, chrony, ntpd); it is asked at most every
 * few seconds and only while the clock is not trusted. Without systemd (a container, another init)
 * the timesyncd flag file is the last hint, and after that nothing is known.
 */
export function systemNtpProbe(syncFile = '/run/systemd/timesync/synchronized'): () => Promise<NtpState> {
  return () => new Promise((resolve) => {
    execFile('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 3000 }, (err, stdout) => {
      const v = String(stdout ?? '').trim();
      if (!err && v === 'yes') return resolve('synced');
      if (!err && v === 'no') return resolve('unsynced');
      resolve(existsSync(syncFile) ? 'synced' : 'unknown');
    });
  });
}

/**
 * The system's clocks. `offsetMs` shifts the wall clock for tests and diagnosis (ZM_CLOCK_OFFSET_MS);
 * the system's NTP state says nothing about a shifted clock, so NTP then reads as unknown.
 */
export function systemSources(offsetMs = 0): ClockSources {
  return {
    wall: offsetMs ? () => Date.now() + offsetMs : Date.now,
    mono: hrMs,
    bootId: readBootId(),
    ntp: offsetMs ? () => Promise.resolve('unknown') : systemNtpProbe(),
  };
}
