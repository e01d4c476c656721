import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Where the files the CLI reads at run time (examples, the built dashboard) live, under the same
 * relative paths as in the repository. Run from the sources (tsx, vitest) this module is
 * `cli/assets.ts`, one level below the clone's root; bundled, it lands in one of the chunks in
 * `lib/` beside `zonemeter.mjs` (or in `zonemeter.mjs` itself), and scripts/build.sh copies the
 * files next to the bundle.
 */
export const ASSET_ROOT = import.meta.url.endsWith('.ts') || isChunkFolder(here) ? path.resolve(here, '..') : here;

function isChunkFolder(dir: string): boolean {
  return path.basename(dir) === 'lib' && existsSync(path.join(dir, '..', 'zonemeter.mjs'));
}

export function assetPath(rel: string): string {
  return path.join(ASSET_ROOT, rel);
}

/** The prebuilt dashboard: `dashboard/build.ts` writes it, the ingestor only serves it. */
export const DASHBOARD_DIR = assetPath('dashboard/dist');

/** Why the dashboard cannot be served and what builds it, or null when it is there. */
export function dashboardMissing(dir = DASHBOARD_DIR): string | null {
  if (existsSync(path.join(dir, 'index.html'))) return null;
  return `dashboard not built (no ${path.join(dir, 'index.html')}): run \`npm run build:dashboard\` in the source tree and restart; a bundle carries it in dashboard/dist next to zonemeter.mjs`;
}

/** The prebuilt gateway console: scripts/build-console.ts writes it, the gateway only serves it. */
export const GATEWAY_CONSOLE_DIR = assetPath('gateway/console/dist');

/** The console's folder when it was built, else undefined (the gateway then says how to build it). */
export function gatewayConsoleDir(dir = GATEWAY_CONSOLE_DIR): string | undefined {
  return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}
