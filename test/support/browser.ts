import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import pino from 'pino';
import { inject } from 'vitest';
import { build as buildIngestor, type Ingestor } from '../../ingestor/app.ts';
import { startTestIngestor, type TestIngestor } from './harness.ts';

/** Debian's Chromium, headless, with nothing reaching beyond loopback. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      // playwright gives every launch a fresh temporary profile and removes it on close
      await browser.close();
    },
  };
}

export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

export interface DashboardIngestor {
  ing: TestIngestor;
  ingestor: Ingestor;
  url: string;
  close(): Promise<void>;
}

/** A test ingestor rebuilt to serve the run's dashboard (test/support/dashboard-setup.ts) at `/` (same config, database and data dir). */
export async function startDashboardIngestor(opts: Parameters<typeof startTestIngestor>[0] = {}): Promise<DashboardIngestor> {
  const ing = await startTestIngestor(opts);
  await ing.ingestor.close();
  const ingestor = await buildIngestor(ing.config, { log: pino({ level: 'silent' }), dashboardDir: inject('dashboardDir') });
  const url = await ingestor.listen();
  return {
    ing, ingestor, url,
    async close() {
      await ingestor.close();
    },
  };
}
