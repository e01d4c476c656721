import type { Answer, ConsoleDeps, ConsoleRoutes } from './routes.ts';

// The console's routes load on the first request for one of its paths, not at start: its request
// schemas (zod), scanner and one-off readers would otherwise sit in the gateway's memory for the
// life of a process that, on most days, nobody opens the console of. /healthz, /metrics and the
// status never load them.

/** The page and its assets: path → [file in the console's dist, content type]. */
export const CONSOLE_ASSETS: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/console/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/console/app.css': ['app.css', 'text/css; charset=utf-8'],
};
const API_PREFIX = '/api/v1/console/';

export const json = (status: number, v: unknown, headers?: Record<string, string>): Answer => ({ status, type: 'application/json; charset=utf-8', body: JSON.stringify(v), ...(headers ? { headers } : {}) });

export function lazyConsoleRoutes(deps: ConsoleDeps): ConsoleRoutes {
  let loaded: Promise<ConsoleRoutes> | undefined;
  const routes = () => (loaded ??= import('./routes.ts').then((m) => m.consoleRoutes(deps)));
  return {
    asset: async (pathname) => (Object.hasOwn(CONSOLE_ASSETS, pathname) ? (await routes()).asset(pathname) : null),
    open: async (req, pathname) => (pathname.startsWith(API_PREFIX) ? (await routes()).open(req, pathname) : null),
    api: async (req, pathname) => (pathname.startsWith(API_PREFIX) ? (await routes()).api(req, pathname) : null),
  };
}
