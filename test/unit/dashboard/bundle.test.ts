import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageInputs } from '../../../scripts/build-page.ts';

const root = path.resolve(import.meta.dirname, '../../..');

// The dashboard reads the API's types from core/api.ts with `import type`; a value import there
// would pull zod (and every schema) into the page. Bundled in memory, as scripts/build-page.ts builds it.
describe('dashboard bundle', () => {
  it('contains nothing of zod or of core/api', async () => {
    const inputs = await pageInputs(path.join(root, 'dashboard/src/main.ts'));
    expect(inputs.some((f) => f.includes('dashboard/src/api.ts'))).toBe(true);
    expect(inputs.filter((f) => f.includes('node_modules/zod') || /core\/api(-reports)?\.ts$/.test(f))).toEqual([]);
  });
});
