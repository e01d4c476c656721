import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { interned } from '../../../gateway/config-worker.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');

describe('interned config', () => {
  it('keeps the value as it was', () => {
    const config = {
      site: 's', buses: [{ id: 'b', type: 'tcp', host: '127.0.0.1', port: 502, timeoutMs: 300 }],
      meters: [{ id: 'm1', zone: 'administrative', tags: ['a', 'a'], ct: null, nested: { deep: [[{ x: 'administrative' }]] } }],
      http: undefined, flag: true,
    };
    const copy = structuredClone(config);
    expect(interned(copy)).toEqual(config);
  });

  it('makes equal strings of a structured clone one: the heap shrinks by the copies', async () => {
    // 200,000 meters' worth of one 40-character zone name, cloned as the config worker's answer is.
    const script = `
      import { interned } from './gateway/config-worker.ts';
      const name = 'administrative-and-office-building-zone-1';
      const v = structuredClone(Array.from({ length: 200000 }, () => ({ zone: name })));
      const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
      const before = heap();
      interned(v);
      console.log(JSON.stringify({ freedMb: (before - heap()) / 1048576 }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, timeout: 30_000 });
    // Each copy is a 56-byte string: about 10 MB in all.
    expect((JSON.parse(stdout) as { freedMb: number }).freedMb).toBeGreaterThan(8);
  });
});
