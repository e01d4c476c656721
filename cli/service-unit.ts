import path from 'node:path';

export interface GatewayUnitOptions {
  /** Absolute path of the node binary the service runs. */
  node: string;
  /** Absolute path of the program node runs: the bundle (zonemeter.mjs) or bin/zonemeter.js. */
  program: string;
  config: string;
  user: string;
  /** Folders outside /var/lib/zonemeter the gateway writes (a journal.dir placed elsewhere). */
  writable?: readonly string[];
  watchdogSec?: number;
  /** Node flags before the program (default GATEWAY_NODE_FLAGS), e.g. adding --max-semi-space-size=1. */
  nodeFlags?: readonly string[];
  /** More Environment= lines (gatewayEnvironment). */
  environment?: Readonly<Record<string, string>>;
}

/**
 * The node flags the service runs the gateway with. --lite-mode leaves out V8's optimizing
 * compilers and allocates feedback only for code that runs often: about 15 MB less RSS for a
 * gateway on the demo building (73 → 58 MB, test/bench/footprint.bench.ts), for a few percent more
 * CPU on a loop that mostly waits on meters. It must be on the command line: V8 reads it when the
 * isolate is made, before any of the program runs. The footprint and polling benches run the
 * bundle with the flags the unit would have.
 *
 * Its CPU cost grows with the meters: with 500 meters each second it took 44% of a core and fell
 * behind (471 reads/s) where the optimized sources took 19% (test/bench/gateway-polling.bench.ts,
 * same run). So the unit has it only up to LITE_MODE_MAX_METERS, a board's load.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--lite-mode'];
export const LITE_MODE_MAX_METERS = 100;

/** Whether a config of `meters` meters (undefined: none yet, a board's) runs as a large site. */
export function isLargeSite(meters: number | undefined): meters is number {
  return meters !== undefined && meters > LITE_MODE_MAX_METERS;
}

/**
 * Above LITE_MODE_MAX_METERS: V8's baseline compiler (Sparkplug) without its optimizing one, a
 * 1 MB young generation, and glibc's malloc kept from hoarding. 500 Modbus TCP meters each second,
 * same simulator and ingestor, RSS above bare node / CPU (test/bench/gateway-polling.bench.ts
 * and the runs behind it):
 * - no flags: 82.5 MB; the young generation grows to its 16 MB default and the heap after it.
 * - --max-semi-space-size=1 (honoured only with an old-space limit beside it; alone it changed
 *   nothing, twice): 51–52 MB, 11–15% of a core.
 * - plus one malloc arena and fixed trim/mmap thresholds (MALLOC_* below): 35 MB. TurboFan compiles
 *   on worker threads, each with its own arena, and the zones it frees stay in them.
 * - plus --no-opt: 29.5 MB, about 20% of a core (--lite-mode: 31 MB but 38–44%, and it fell behind).
 * The optimizing compiler is what the memory goal (≤ 30 MB above bare node for 500 meters) costs:
 * about 8 points of a core at 500 reads a second, still under Node-RED's 26% on the same load.
 * The old-space limit is generous enough never to be what stops a large site: 256 MB, or half a
 * megabyte per meter.
 */
export function largeSiteNodeFlags(meters: number): readonly string[] {
  return ['--no-opt', '--max-semi-space-size=1', `--max-old-space-size=${Math.max(256, Math.ceil(meters / 2))}`];
}

/**
 * Environment for a large site's unit (see largeSiteNodeFlags): one malloc arena instead of one per
 * thread, and memory above 128 KB returned to the system when freed rather than kept by glibc's
 * adaptive thresholds. Both are glibc's documented tunables (mallopt(3)); other C libraries ignore them.
 */
export const LARGE_SITE_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/** The unit's environment besides ZM_LOG_LEVEL for a config of `meters` meters. */
export function gatewayEnvironment(meters: number | undefined): Readonly<Record<string, string>> {
  return isLargeSite(meters) ? LARGE_SITE_ENVIRONMENT : {};
}

/** The unit's node flags for a config of `meters` meters (undefined: no config yet, a board's). */
export function gatewayNodeFlags(meters: number | undefined): readonly string[] {
  return isLargeSite(meters) ? largeSiteNodeFlags(meters) : GATEWAY_NODE_FLAGS;
}

export const STATE_DIR = '/var/lib/zonemeter';
export const CONFIG_DIR = '/etc/zonemeter';

/** One word of ExecStart=: quoted when it holds spaces or quotes, `%` doubled (systemd specifiers). */
function word(s: string): string {
  const escaped = s.replace(/%/g, '%%');
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : escaped;
}

/**
 * The gateway's systemd unit. Why each setting:
 * - Type=exec, not notify: the gateway cannot send READY=1 reliably from Node (see
 *   gateway/health/watchdog.ts), and a start that fails shows as a failed exec anyway.
 * - WatchdogSec + NotifyAccess=all: the gateway pings through systemd-notify while its poll loop
 *   turns; a hung process is restarted.
 * - Restart=on-failure with no start limit: an unattended box in an electrical room should keep
 *   trying (a USB adapter that enumerates late, an SD card that remounts) rather than give up after
 *   five attempts.
 * - StateDirectory/ConfigurationDirectory: systemd creates /var/lib/zonemeter owned by the user and
 *   /etc/zonemeter; ProtectSystem=strict leaves everything else read-only.
 * - SupplementaryGroups=dialout: RS-485 adapters (/dev/ttyUSB*, /dev/ttyAMA*) belong to dialout.
 * - No PrivateDevices: it would hide the serial ports.
 */
export function gatewayUnit(o: GatewayUnitOptions): string {
  const writable = [...new Set((o.writable ?? []).filter((d) => !d.startsWith(STATE_DIR + '/') && d !== STATE_DIR))];
  const exec = [o.node, ...(o.nodeFlags ?? GATEWAY_NODE_FLAGS), o.program, 'gateway', 'run', '-c', o.config].map(word).join(' ');
  return [
    '# zonemeter gateway, written by `zonemeter gateway install-service` (docs/deploy.md).',
    '[Unit]',
    'Description=zonemeter gateway: polls the meters, journals readings, streams them to the ingestor',
    'After=network-online.target time-sync.target',
    'Wants=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=exec',
    `User=${o.user}`,
    `Group=${o.user}`,
    'SupplementaryGroups=dialout',
    `ExecStart=${exec}`,
    `WorkingDirectory=${STATE_DIR}`,
    'StateDirectory=zonemeter',
    'ConfigurationDirectory=zonemeter',
    'Restart=on-failure',
    'RestartSec=5s',
    `WatchdogSec=${o.watchdogSec ?? 60}s`,
    'NotifyAccess=all',
    // The journal flushes and the uplink says goodbye on SIGTERM; give it time before SIGKILL.
    'TimeoutStopSec=30s',
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=zonemeter-gateway',
    'Environment=ZM_LOG_LEVEL=info',
    ...Object.entries(o.environment ?? {}).map(([k, v]) => `Environment=${word(`${k}=${v}`)}`),
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    'PrivateTmp=yes',
    ...(writable.length ? [`ReadWritePaths=${writable.map(word).join(' ')}`] : []),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Where a journal.dir given relative to the config lands for the service (working dir /var/lib/zonemeter). */
export function serviceJournalDir(journalDir: string): string {
  return path.resolve(STATE_DIR, journalDir);
}
