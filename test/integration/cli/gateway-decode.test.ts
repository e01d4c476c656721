import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CJT188_FRAMES, DLT645_FRAMES } from '../../unit/gateway/protocols/captured-frames.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(root, 'bin/zonemeter.js'), ...args], { cwd: root, env: { ...process.env, ZM_LANG: 'en' } });
const json = async (...args: string[]) => JSON.parse((await run('gateway', 'decode', ...args, '--json')).stdout);

describe('zonemeter gateway decode', () => {
  it('decodes every captured DL/T 645 answer to the value its source states', async () => {
    for (const c of DLT645_FRAMES.filter((x) => x.stated.value !== undefined)) {
      const out = await json('--protocol', 'dlt645', '--hex', c.hex);
      expect(out.fields.address, c.source).toBe(c.stated.address);
      expect(out.values[0], c.source).toMatchObject({ value: c.stated.value, unit: c.stated.unit });
    }
  }, 60_000);

  it('decodes the captured DL/T 645 error replies to their error word and the read-address replies to the address', async () => {
    for (const c of DLT645_FRAMES.filter((x) => x.stated.control === 0xd1)) {
      const out = await json('--protocol', 'dlt645', '--hex', c.hex);
      expect(out.fields.address, c.source).toBe(c.stated.address);
      expect(out.fields.control, c.source).toMatch(/^D1H error reply to read data/);
      expect(out.values, c.source).toEqual([]);
      expect(out.error, c.source).toMatch(/^error word [0-9A-F]{2}H: /);
      // "ERR2 无请求数据": error word 02H, DL/T 645-2007 Table 4 bit 1, "no requested data".
      if (c.stated.errorWord === 0x02) expect(out.error, c.source).toBe('error word 02H: no such data (permanent)');
    }
    for (const c of DLT645_FRAMES.filter((x) => x.stated.control === 0x93)) {
      const out = await json('--protocol', 'dlt645', '--hex', c.hex);
      expect(out.fields.address, c.source).toBe(c.stated.address);
      expect(out.values, c.source).toEqual([{ name: 'address', value: c.stated.address, unit: '' }]);
    }
  }, 60_000);

  it('decodes the captured CJ/T 188 read-address replies to the address, and a real meter\'s answer with unkept (FFH) fields', async () => {
    for (const c of CJT188_FRAMES.filter((x) => x.stated.control === 0x83)) {
      const out = await json('--protocol', 'cjt188', '--hex', c.hex);
      expect(out.fields.address, c.source).toBe(c.stated.address);
      expect(out.values, c.source).toEqual([{ name: 'address', value: c.stated.address, unit: '' }]);
    }
    const real = CJT188_FRAMES.find((c) => c.stated.notKept)!;
    const out = await json('--protocol', 'cjt188', '--model', 'CJT188-Water', '--hex', real.hex);
    expect(out.values.find((v: { name: string }) => v.name === 'current_volume')).toMatchObject({ value: 5959, unit: 'm³', measurement: 'volume_m3' });
    expect(out.values.find((v: { name: string }) => v.name === 'settlement_volume')).toBeUndefined();
    expect(out.values.find((v: { name: string }) => v.name === 'meter time')).toMatchObject({ value: 'not kept (FFH)' });
  }, 60_000);

  it('decodes the captured CJ/T 188 heat answer with its vendor model, and refuses the SC answer as printed', async () => {
    const jy = CJT188_FRAMES.find((c) => c.model === 'JY-Heat' && c.stated.control === 0x81)!;
    const out = await json('--protocol', 'cjt188', '--model', 'JY-Heat', '--hex', jy.hex);
    expect(out.values.find((v: { name: string }) => v.name === 'cumulative_volume')).toMatchObject({ value: 10.34, unit: 'm³', measurement: 'volume_m3' });
    const sc = CJT188_FRAMES.find((c) => c.refusedWith)!;
    await expect(run('gateway', 'decode', '--protocol', 'cjt188', '--hex', sc.hex)).rejects.toMatchObject({
      code: 1, stdout: expect.stringContaining('ERR_FRAME_CHECKSUM'),
    });
  }, 30_000);

  it('decodes a Modbus RTU answer with a model and its start register (Tasmota #13224 SDM630 capture)', async () => {
    const out = await json('--protocol', 'modbus-rtu', '--model', 'SDM630', '--start', '0', '--hex', '01 04 04 43 60 25 88 F4 E8');
    expect(out.values[0].measurement).toBe('voltage_l1_v');
    // The register's float is 224.146606445; voltage is given to 0.1 V.
    expect(out.values[0].value).toBe(224.1);
  }, 30_000);

  it('refuses bad flags with the usage exit code', async () => {
    await expect(run('gateway', 'decode', '--protocol', 'nope', '--hex', '68')).rejects.toMatchObject({ code: 2 });
    await expect(run('gateway', 'decode', '--protocol', 'dlt645', '--hex', '68 zz')).rejects.toMatchObject({ code: 2 });
    await expect(run('gateway', 'decode', '--protocol', 'dlt645', '--model', 'NoSuch', '--hex', DLT645_FRAMES[1]!.hex)).rejects.toMatchObject({ code: 2 });
  }, 30_000);
});
