import { createServer } from 'node:net';
import type { GatewayConfig } from './config.ts';
import { checkJournalDir } from './journal/open.ts';
import { ZmError } from '../core/errors.ts';

export interface PreflightProblem {
  level: 'error' | 'warning';
  path: string;
  message: string;
}

export function splitHostPort(hp: string): [string, number] {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i), Number(hp.slice(i + 1))];
}

/** Why `host:port` cannot be listened on, or null when it can (the probe listener is closed again). */
export function probeListen(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code === 'EADDRINUSE' ? `${host}:${port} is in use by another process`
        : err.code === 'EACCES' ? `${host}:${port} needs privileges this process does not have`
          : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' ? `${host} is not an address of this machine`
            : `${host}:${port} cannot be listened on (${err.code ?? err.message})`);
    });
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

/**
 * What the config schema cannot see: whether the journal folder is usable on this machine and
 * the health address free. `gateway check` prints these; `gateway run` refuses to start on them,
 * each with the config field to change.
 */
export async function preflight(cfg: GatewayConfig): Promise<PreflightProblem[]> {
  const out: PreflightProblem[] = [];
  try {
    checkJournalDir(cfg.journal.dir, cfg.journal.segmentBytes, false);
  } catch (err) {
    if (!(err instanceof ZmError)) throw err;
    const [path, ...rest] = err.message.split(': ');
    out.push({ level: 'error', path: path!, message: rest.join(': ') });
  }
  const [host, port] = splitHostPort(cfg.http.listen);
  const why = await probeListen(host, port);
  // A warning: the gateway this config belongs to may be the one holding the port right now.
  if (why) out.push({ level: why.includes('in use') ? 'warning' : 'error', path: 'http', message: why });
  return out;
}
