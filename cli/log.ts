import pino, { type Logger } from 'pino';

/** The one pino root of a process. ZM_LOG_LEVEL sets the level (default info). */
export function rootLogger(name: string, level = process.env.ZM_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(log: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      log.info({ signal }, 'stopping');
      stop().then(resolve, (err: Error) => {
        log.error({ err }, 'error while stopping');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  });
}
