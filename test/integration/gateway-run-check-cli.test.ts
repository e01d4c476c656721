import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { tempDir } from '../support/harness.ts';
import { killAllZm, spawnZm } from '../support/processes.ts';

// `gateway run` applies the checks of `gateway check`: a config `check` refuses does not start,
// and each finding is printed with its config path in the words `check` uses. Warnings only warn.
describe('gateway run refuses what gateway check refuses', () => {
  const tmp = tempDir('zm-run-check-');
  afterAll(async () => {
    await killAllZm();
    tmp.remove();
  });

  async function config(name: string, meter: Record<string, unknown>): Promise<{ file: string; journal: string }> {
    const file = path.join(tmp.dir, `${name}.json`);
    const journal = path.join(tmp.dir, `journal-${name}`);
    writeFileSync(file, JSON.stringify({
      site: 'demo', gateway: 'gw-1', building: 'hall', http: `127.0.0.1:${await freePort()}`,
      uplink: { url: `mqtt://127.0.0.1:${await freePort()}` },
      journal: { dir: journal },
      buses: [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1', port: await freePort() }],
      meters: [{ id: 'w1', bus: 'tcp-1', unitId: 1, zone: 'administrative', endUse: 'total', ...meter }],
    }));
    return { file, journal };
  }

  async function run(args: string[]): Promise<{ code: number | null; err: string }> {
    const p = spawnZm(args, { ZM_LANG: 'en' });
    const timer = setTimeout(() => void p.stop('SIGKILL'), 20_000);
    const { code } = await p.exited;
    clearTimeout(timer);
    return { code, err: p.other.join('') };
  }

  it('overlapping registers of a generic meter: run exits 1 before opening anything, naming the path as check does', async () => {
    const { file, journal } = await config('overlap', {
      model: 'generic', kind: 'water',
      registers: [
        { measurement: 'volume_m3', fc: 3, address: 0, type: 'uint32' },
        { measurement: 'flow_m3h', fc: 3, address: 1, type: 'uint16' },
      ],
    });
    const line = '  meters[0].registers[1].address: overlaps registers[0] (volume_m3 at 0, FC 3) [error]';
    const check = await run(['gateway', 'check', '-c', file]);
    expect(check.code, check.err).toBe(1);
    expect(check.err).toContain(line);
    const gw = await run(['gateway', 'run', '-c', file]);
    expect(gw.code, gw.err).toBe(1);
    expect(gw.err.split('\n')).toContain(line);
    expect(gw.err).toContain(`${file}: 1 problem(s)`);
    expect(gw.err).not.toMatch(/^\s+at /m);
    // Refused before build(): the journal folder was never made.
    expect(existsSync(journal)).toBe(false);
  }, 40_000);

  it('a built-in model on a meter of another kind is refused by both, at meters[0].kind', async () => {
    const { file } = await config('kind', { model: 'SDM630', kind: 'water' });
    const line = '  meters[0].kind: model SDM630 meters electricity, not water [error]';
    expect((await run(['gateway', 'check', '-c', file])).err).toContain(line);
    const gw = await run(['gateway', 'run', '-c', file]);
    expect(gw.code, gw.err).toBe(1);
    expect(gw.err.split('\n')).toContain(line);
  }, 40_000);

  it('a warning is printed and the gateway starts', async () => {
    const { file } = await config('warning', { model: 'SDM630', intervalMs: 500, timeoutMs: 2000 });
    const p = spawnZm(['gateway', 'run', '-c', file], { ZM_LANG: 'en' });
    try {
      await p.waitForLine((l) => l.msg === 'gateway running', 30_000, 'the gateway to start');
      expect(p.other.join('')).toContain('  meters[0].timeoutMs: timeout 2000 ms is longer than the interval 500 ms: a slow answer costs a whole interval [warning]');
    } finally {
      await p.stop();
    }
  }, 40_000);
});
