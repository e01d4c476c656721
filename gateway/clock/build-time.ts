import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Set by scripts/build.sh (esbuild --define) to the built commit's time; absent when running from sources.
declare const __ZM_BUILD_TIME__: number | undefined;

/**
 * The earliest time this code can be running at. Nothing here existed before the day it was
 * written, so a clock reading earlier is wrong whatever the build.
 */
export const SOURCE_FLOOR_MS = Date.UTC(2026, 0, 1);

export interface NotBefore {
  ts: number;
  what: string;
}

let cached: NotBefore | null = null;

/**
 * When this gateway was built, as a floor for a plausible clock. The bundle carries its commit's
 * time; from sources, the newest git commit's time, else SOURCE_FLOOR_MS. A file's mtime is not
 * used: it is set by whatever clock unpacked or checked it out, and a board whose clock ran ahead
 * then would make every true time look impossible.
 */
export function buildNotBefore(): NotBefore {
  if (cached) return cached;
  if (typeof __ZM_BUILD_TIME__ === 'number' && __ZM_BUILD_TIME__ > SOURCE_FLOOR_MS) {
    cached = { ts: __ZM_BUILD_TIME__, what: 'this build' };
    return cached;
  }
  cached = { ts: SOURCE_FLOOR_MS, what: 'this release' };
  try {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const out = execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
    const ts = Number(out.toString().trim()) * 1000;
    if (Number.isFinite(ts) && ts > cached.ts) cached = { ts, what: 'the newest commit of these sources' };
  } catch {
    // No git or no repository (an unpacked copy): the source floor stands.
  }
  return cached;
}
