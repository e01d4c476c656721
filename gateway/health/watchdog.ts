import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

/**
 * systemd's watchdog (`WatchdogSec=` in the unit `zonemeter gateway install-service` writes): the
 * gateway says it is alive every quarter of the watchdog period, and only while the poll loop is
 * making progress, so a hung event loop or a scheduler that stopped turning gets the process
 * restarted rather than a box that looks up and reads nothing.
 *
 * Node cannot send on a Unix datagram socket, so the message goes through `systemd-notify`, which
 * is part of systemd wherever the unit runs. A message from a short-lived helper can be dropped
 * when systemd reads it after the helper exited (systemd/systemd#2737); pinging four times per
 * period means one lost ping never trips the watchdog. The unit sets `NotifyAccess=all` so the
 * helper, a child of the gateway, is heard.
 */
export interface WatchdogOptions {
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** A number that grows while the poll loop turns: reads plus errors of every polled meter. */
  progress: () => number;
  /** How long the progress number may stand still before the gateway counts as stuck. */
  stallMs: number;
  now?: () => number;
  /** Sends one notification; the default runs `systemd-notify`. */
  notify?: (message: string) => Promise<void>;
}

export interface Watchdog {
  /** Period between pings in ms, or null when systemd asked for no watchdog. */
  readonly intervalMs: number | null;
  /** Pings sent and pings withheld because the loop stalled. */
  readonly stats: { pings: number; withheld: number; failures: number };
  /** One check-and-ping, as the timer runs it; exposed for tests. */
  tick(): Promise<void>;
  stop(): void;
}

/** The watchdog period systemd passes (WATCHDOG_USEC, for this PID when WATCHDOG_PID is set), in ms. */
export function watchdogPeriodMs(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | null {
  if (!env.NOTIFY_SOCKET || !env.WATCHDOG_USEC) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  const usec = Number(env.WATCHDOG_USEC);
  return Number.isFinite(usec) && usec > 0 ? usec / 1000 : null;
}

function systemdNotify(message: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('systemd-notify', [message], { timeout: 5_000, env }, (err) => (err ? reject(err) : resolve()));
  });
}

export function startWatchdog(o: WatchdogOptions): Watchdog {
  const env = o.env ?? process.env;
  const period = watchdogPeriodMs(env);
  const now = o.now ?? Date.now;
  const notify = o.notify ?? ((message: string) => systemdNotify(message, env));
  const stats = { pings: 0, withheld: 0, failures: 0 };
  let last = o.progress();
  let movedAt = now();
  let warned = false;
  const tick = async () => {
    const p = o.progress();
    if (p !== last) {
      last = p;
      movedAt = now();
    }
    const still = now() - movedAt;
    if (still > o.stallMs) {
      stats.withheld++;
      if (!warned) o.log.error({ still_ms: still, stall_ms: o.stallMs }, 'poll loop made no progress; withholding the watchdog ping so systemd restarts the gateway');
      warned = true;
      return;
    }
    warned = false;
    try {
      await notify('WATCHDOG=1');
      stats.pings++;
    } catch (err) {
      stats.failures++;
      if (stats.failures === 1) o.log.warn({ err: (err as Error).message }, 'systemd-notify failed; the watchdog may restart the gateway');
    }
  };
  const timer = period === null ? null : setInterval(() => void tick(), Math.max(1000, period / 4));
  // The ping itself must never keep a stopping process alive.
  timer?.unref();
  if (period !== null) o.log.info({ watchdog_ms: period, stall_ms: o.stallMs }, 'systemd watchdog on');
  return { intervalMs: period === null ? null : Math.max(1000, period / 4), stats, tick, stop: () => { if (timer) clearInterval(timer); } };
}
