import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/harness.ts';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../../../bin/zonemeter.js');
const tmp = tempDir('zm-cli-');
afterAll(() => tmp.remove());

async function zonemeter(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [bin, ...args], { env: { ...process.env, ZM_LANG: 'en' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('zonemeter CLI config errors', () => {
  it('prints every problem of a bad gateway file with its path and exits non-zero', async () => {
    const file = path.join(tmp.dir, 'bad.yaml');
    writeFileSync(file, `site: hq
gateway: gw-1
building: tower
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9601 }
meters:
  - { id: m0, bus: line1, unitId: 1, model: SDM630, zone: administrative, endUse: total }
  - { id: m1, bus: line1, unitId: 2, model: SDM630, zone: kitchen, endUse: total }
  - { id: m2, bus: line2, unitId: 3, model: SDM630, zone: business, endUse: power }
  - { id: m3, bus: line1, unitId: 300, model: SDM630, zone: business, endUse: power }
`);
    const r = await zonemeter('gateway', 'run', '-c', file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('buses[0].baud: expected a standard baud rate');
    expect(r.stderr).toContain('meters[1].zone:');
    expect(r.stderr).toContain('meters[3].unitId: expected integer 1–247');
  });

  it('accepts JSON as well as YAML, and reports a missing file', async () => {
    const file = path.join(tmp.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ site: 'hq', gateway: 'gw 1' }));
    const r = await zonemeter('gateway', 'run', '-c', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gateway: expected an id');
    expect(r.stderr).toContain('building:');
    const missing = await zonemeter('ingestor', 'run', '-c', path.join(tmp.dir, 'nope.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENOENT');
  });

  it('refuses a registry site whose UTC offset differs from the one the daily rollups use', async () => {
    // Days would be cut at +07:00 while reports cut years at +08:00: every figure an hour off.
    const registry = path.resolve(import.meta.dirname, '../../../ingestor/registry/examples/demo-site.yaml');
    const file = path.join(tmp.dir, 'offset.yaml');
    writeFileSync(file, `registry: ${JSON.stringify(registry)}\nutcOffsetHours: 7\n`);
    const r = await zonemeter('ingestor', 'run', '-c', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('institutions[0].sites[0].utcOffset: "+08:00" differs from the ingestor\'s utcOffsetHours 7');
  });

  it('exits 0 without a stack trace when the reader closes the pipe early (| head)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('node', [bin, '--help'], { env: { ...process.env, ZM_LANG: 'en' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('lists commands in Chinese when asked', async () => {
    const { stdout } = await run('node', [bin, '--help'], { env: { ...process.env, ZM_LANG: 'zh' } });
    expect(stdout).toContain('用法');
    expect(stdout).toContain('gateway run');
  });
});
