import { describe, expect, it } from 'vitest';
import { CJT188_MODELS, DLT645_MODELS, type Dlt645Model } from '../../../../gateway/models/index.ts';
import { serialReadFigures, serialReadMs } from '../../../../gateway/protocols/line-time.ts';
import { parseHex } from '../../../../gateway/protocols/bcd.ts';
import { readRequest } from '../../../../gateway/protocols/dlt645/frame.ts';
import { checkGatewayConfig as analyzeConfig } from '../../../../gateway/poll/config-checks.ts';
import { GatewayConfigSchema } from '../../../../gateway/config.ts';

const model = (n: string) => [...DLT645_MODELS, ...CJT188_MODELS].find((m) => m.name === n)!;

describe('line time of DL/T 645 and CJ/T 188 reads', () => {
  it('counts each DL/T 645 identifier as one exchange of a request and an answer', () => {
    // A read of 00010000 with four FEH is 20 bytes; its answer with four FEH and XXXXXX.XX is 24.
    expect(readRequest('000000000161', 0x00010000).length).toBe(20);
    expect(parseHex('FE FE FE FE 68 61 01 00 00 00 00 68 91 08 33 33 34 33 59 33 33 33 8A 16').length).toBe(24);
    const p1 = model('DLT645-1P') as Dlt645Model;
    const one = { ...p1, items: p1.items.slice(0, 1) };
    expect(serialReadFigures(one, 4)).toEqual({ transactions: 1, bytes: 44 });
    // 44 bytes × 11 bits at 2400 baud = 201.7 ms, plus the 20 ms the meter needs at least.
    expect(serialReadMs(one, 4, { baud: 2400, bitsPerChar: 11 })).toBeCloseTo(44 * 11 * 1000 / 2400 + 20, 6);
    expect(serialReadFigures(model('CJT188-Water'), 2)).toEqual({ transactions: 1, bytes: 2 + 16 + 2 + 13 + 22 });
  });

  it('gateway check warns when a DL/T 645 line cannot carry its meters at their intervals', () => {
    const cfg = GatewayConfigSchema.parse({
      site: 's', gateway: 'g', building: 'b', buses: [{ id: 'l', type: 'rtu', path: '/dev/null' }],
      meters: [{ id: 'a', bus: 'l', protocol: 'dlt645', address: '000000000161', model: 'DTSU666-645', zone: 'business', endUse: 'total', intervalMs: 1000 }],
    });
    const findings = analyzeConfig(cfg);
    expect(findings.find((f) => f.path === 'buses[0]')?.message).toMatch(/meters need \d+% of the line's time at 2400 baud/);
    const slow = GatewayConfigSchema.parse({ ...cfg, meters: [{ ...cfg.meters[0]!, intervalMs: 60_000 }] });
    expect(analyzeConfig(slow).find((f) => f.path === 'buses[0]')).toBeUndefined();
  });
});
