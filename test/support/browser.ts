import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import pino from 'pino';
import { buildDashboard } from '../../dashboard/build.ts';
import { build as buildIngestor, type Ingestor } from '../../ingestor/app.ts';
import { startTestIngestor, tempDir, type TestIngestor } from './harness.ts';

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
  sizes: Record<string, number>;
  close(): Promise<void>;
}

/** A test ingestor rebuilt to serve a freshly built dashboard at `/` (same config, database and data dir). */
export async function startDashboardIngestor(opts: Parameters<typeof startTestIngestor>[0] = {}): Promise<DashboardIngestor> {
  const ing = await startTestIngestor(opts);
  await ing.ingestor.close();
  const dist = tempDir('zm-dash-');
  const built = await buildDashboard(dist.dir);
  const ingestor = await buildIngestor(ing.config, { log: pino({ level: 'silent' }), dashboardDir: built.dir });
  const url = await ingestor.listen();
  return {
    ing, ingestor, url, sizes: built.sizes,
    async close() {
      await ingestor.close();
      dist.remove();
    },
  };
}
