import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(root, 'bin/zonemeter.js'), ...args], { cwd: root, env: { ...process.env, ZM_LANG: 'en' } });

describe('zonemeter gateway models: provenance', () => {
  it('--json gives every model of every protocol with what it was checked against', async () => {
    const rows = JSON.parse((await run('gateway', 'models', '--json')).stdout) as { name: string; protocol: string; provenance: { status: string; source?: string } }[];
    const unchecked = rows.filter((r) => r.protocol === 'modbus' && r.provenance.status === 'datasheet').map((r) => r.name).sort();
    expect(unchecked).toEqual(['ADW300', 'CF-Echo-II', 'DTSU666', 'DVH4013', 'SDM72DM-V2', 'Supercal-531', 'iEM3000'].sort());
    expect(rows.find((r) => r.name === 'JY-Heat')).toMatchObject({ protocol: 'cjt188', provenance: { status: 'captured' } });
    expect(rows.find((r) => r.name === 'DLT645-3P')?.provenance.source).toMatch(/captured-frames/);
    expect([...new Set(rows.map((r) => r.protocol))]).toEqual(expect.arrayContaining(['modbus', 'dlt645', 'cjt188']));
  }, 30_000);

  it('shows the provenance as a column, and filters by protocol', async () => {
    const { stdout } = await run('gateway', 'models', '--protocol', 'dlt645');
    expect(stdout).toMatch(/^DTSU666-645\s+dlt645\s+Chint.*datasheet only/m);
    expect(stdout).toMatch(/^DLT645-1P\s+dlt645\s+generic.*captured bytes/m);
    expect(stdout).not.toMatch(/^SDM630/m);
    await expect(run('gateway', 'models', '--protocol', 'nope')).rejects.toMatchObject({ code: 2 });
  }, 30_000);
});
