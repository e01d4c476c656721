import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../../..');

// The page reads the status's shape from gateway/health/status.ts with `import type`; a value
// import there would pull the gateway's server code (and through it zod and node:) into the page.
// Bundled in memory, as scripts/build-console.ts does.
describe('console bundle', () => {
  it('contains nothing of zod or of the gateway outside console/web', async () => {
    const out = await build({
      entryPoints: [path.join(root, 'gateway/console/web/main.ts')], bundle: true, format: 'esm', write: false, metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((f) => f.includes('gateway/console/web/render.ts'))).toBe(true);
    expect(inputs.filter((f) => f.includes('node_modules/') || (f.includes('gateway/') && !f.includes('gateway/console/web/')))).toEqual([]);
  });
});
