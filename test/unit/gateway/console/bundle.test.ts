import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageInputs } from '../../../../scripts/build-page.ts';

const root = path.resolve(import.meta.dirname, '../../../..');

// The page reads the status's shape from gateway/health/status.ts with `import type`; a value
// import there would pull the gateway's server code (and through it zod and node:) into the page.
// Bundled in memory, as scripts/build-page.ts builds it.
describe('console bundle', () => {
  it('contains nothing of zod or of the gateway outside console/web', async () => {
    const inputs = await pageInputs(path.join(root, 'gateway/console/web/main.ts'));
    expect(inputs.some((f) => f.includes('gateway/console/web/render.ts'))).toBe(true);
    expect(inputs.filter((f) => f.includes('node_modules/') || (f.includes('gateway/') && !f.includes('gateway/console/web/')))).toEqual([]);
  });
});
