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

interface Shared {
  dir: string;
  influxd: Promise<ManagedInfluxd>;
  users: number;
}

// vitest loads this file once per project that lists it (integration, e2e), each copy with its own
// module state, but all in the one main process: the influxd is kept on globalThis so the projects
// of a run share one, started by the first and stopped after the last.
const KEY = Symbol.for('zonemeter.test.influxd');
const holder = globalThis as { [KEY]?: Shared };

// One real influxd for the whole run; each test file uses its own database so files never share data.
export async function setup(project: TestProject): Promise<void> {
  let shared = holder[KEY];
  if (!shared) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zm-influxd-'));
    shared = holder[KEY] = { dir, influxd: startInfluxd({ dir }), users: 0 };
  }
  shared.users++;
  project.provide('influxUrl', (await shared.influxd).url);
}

export async function teardown(): Promise<void> {
  const shared = holder[KEY];
  if (!shared || --shared.users > 0) return;
  delete holder[KEY];
  // A start that failed has already failed the run with its own error.
  await shared.influxd.then((influxd) => influxd.stop(), () => undefined);
  rmSync(shared.dir, { recursive: true, force: true });
}
