import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { buildDashboard } from '../../dashboard/build.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The dashboard, built once for the run from the current sources (test/support/browser.ts serves it). */
    dashboardDir: string;
  }
}

// Built into a folder of its own rather than dashboard/dist, so a run never rewrites files that
// an ingestor started from the clone, or another run, is serving.
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zm-dash-'));
  project.provide('dashboardDir', (await buildDashboard(dir)).dir);
}

export function teardown(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
