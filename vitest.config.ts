import { defineConfig } from 'vitest/config';

// Three tiers, each a project (`vitest run --project unit`), described in the README's Tests section:
// - unit: pure logic, in-process fakes and child processes of our own; no influxd, runs in seconds.
// - integration: real servers (influxd, aedes, mosquitto, socat ptys, pymodbus), the CLI as
//   processes, the bundle, and the chaos test (test/chaos: two gateways, outages), which needs
//   the same servers and so runs in this tier.
// - e2e: the dashboard in Chromium, against a dashboard built once for the run.
// Each global setup runs only when its project has files to run, so unit alone starts no influxd.
const influxd = 'test/support/global-setup.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers; two cores do not take more files at once well.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        // One module graph per worker rather than per file: importing the sources again for each
        // file was most of the tier's time (imports 44 s against 12 s, wall 70 s against 28 s on
        // two busy cores). So a unit test mocks no module and leaves no global or env change behind.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/chaos/**/*.test.ts'], globalSetup: [influxd] },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: [influxd, 'test/support/dashboard-setup.ts'] },
      },
    ],
  },
});
