import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startInfluxd, type ManagedInfluxd } from '../../cli/influxd.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

let influxd: ManagedInfluxd | undefined;
let dir: string | undefined;

// One real influxd for the whole run; each test file uses its own database so files never share data.
export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zm-influxd-'));
  influxd = await startInfluxd({ dir });
  project.provide('influxUrl', influxd.url);
}

export async function teardown(): Promise<void> {
  await influxd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
