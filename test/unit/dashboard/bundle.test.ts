import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

// The dashboard reads the API's types from core/api.ts with `import type`; a value import there
// would pull zod (and every schema) into the page. Bundled in memory, as dashboard/build.ts does.
describe('dashboard bundle', () => {
  it('contains nothing of zod or of core/api', async () => {
    const out = await build({
      entryPoints: [path.join(root, 'dashboard/src/main.ts')], bundle: true, format: 'esm', write: false, metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((f) => f.includes('dashboard/src/api.ts'))).toBe(true);
    expect(inputs.filter((f) => f.includes('node_modules/zod') || /core\/api(-reports)?\.ts$/.test(f))).toEqual([]);
  });
});
