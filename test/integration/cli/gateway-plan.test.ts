import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(root, 'bin/zonemeter.js'), ...args], { cwd: root, env: { ...process.env, ZM_LANG: 'en' } });

describe('zonemeter gateway plan / models', () => {
  it('plan --json gives the SDM630 requests and its line figures at 9600 8N1', async () => {
    const { stdout } = await run('gateway', 'plan', '--model', 'SDM630', '--baud', '9600', '--json');
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ model: 'SDM630', baud: 9600, bits_per_char: 10, max_registers: 80 });
    expect(out.requests).toHaveLength(2);
    expect(out.requests[0]).toMatchObject({ fc: 4, address: 0, count: 80 });
    expect(out.requests[0].measurements).toContain('energy_import_kwh');
    expect(out.requests[1]).toEqual({ fc: 4, address: 224, count: 2, measurements: ['current_n_a'] });
    expect(out).toMatchObject({ bytes: 190, payload_bytes: 164, useful_bytes: 76 });
    expect(out.payload_share).toBeCloseTo(164 / 190, 4);
    expect(out.payload_share).toBeGreaterThanOrEqual(0.85);
    expect(out.line_time_ms).toBeCloseTo(197.917, 3);
    expect(out.one_value_per_request).toMatchObject({ request_count: 19, bytes: 323 });
    expect(out.request_count).toBe(2);
    expect(out.one_value_per_request.payload_share).toBeCloseTo(4 / 17, 4);
  }, 30_000);

  it('plan honours --max-gap and --parity', async () => {
    const { stdout } = await run('gateway', 'plan', '--model', 'sdm630', '--parity', 'even', '--max-gap', '0', '--json');
    const out = JSON.parse(stdout);
    expect(out.bits_per_char).toBe(11);
    expect(out.max_gap).toBe(0);
    expect(out.requests.length).toBeGreaterThan(2);
  }, 30_000);

  it('plan refuses an unknown model with the usage exit code', async () => {
    await expect(run('gateway', 'plan', '--model', 'NoSuchMeter')).rejects.toMatchObject({ code: 2 });
  }, 30_000);

  it('models --json lists at least 12 models with vendor, kind, datasheet and measurements', async () => {
    const { stdout } = await run('gateway', 'models', '--json');
    const list = JSON.parse(stdout) as { name: string; vendor: string; kind: string; datasheet: string; measurements: string[] }[];
    expect(list.length).toBeGreaterThanOrEqual(12);
    for (const m of list) {
      expect(Object.keys(m).sort()).toEqual(['datasheet', 'kind', 'measurements', 'name', 'protocol', 'provenance', 'vendor']);
      expect(m.measurements.length).toBeGreaterThan(0);
    }
    expect(new Set(list.map((m) => m.kind))).toEqual(new Set(['electricity', 'water', 'heat']));
    expect(list.find((m) => m.name === 'SDM630')?.vendor).toBe('Eastron');
  }, 30_000);
});
