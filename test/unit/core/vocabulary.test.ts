import { describe, expect, it } from 'vitest';
import { ENERGY_KINDS, END_USES, MEASUREMENTS, USAGE_COUNTER, ZONES, endUseCode, formatPath } from '../../../core/index.ts';

describe('vocabulary', () => {
  it('carries the monitoring-guideline codes', () => {
    expect(Object.fromEntries(Object.entries(ENERGY_KINDS).map(([k, v]) => [k, v.code]))).toEqual({
      electricity: '01000', water: '02000', gas: '03000', heat: '04000', cooling: '05000', other: '06000',
    });
    expect(Object.keys(ZONES)).toEqual(['administrative', 'business', 'logistics', 'other']);
    expect(END_USES.air_conditioning.code).toBe('01B00');
    expect(endUseCode('total', 'water')).toBe('02000');
  });

  it('has snake_case measurement keys whose unit suffix matches the unit', () => {
    const suffix: Record<string, string> = { kwh: 'kWh', kw: 'kW', v: 'V', a: 'A', hz: 'Hz', m3: 'm³', m3h: 'm³/h', c: '°C', k: 'K', kvar: 'kvar', kva: 'kVA', kvarh: 'kvarh' };
    for (const [key, def] of Object.entries(MEASUREMENTS)) {
      expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
      const s = key.split('_').at(-1)!;
      if (suffix[s]) expect(def.unit, key).toBe(suffix[s]);
    }
  });

  it('names a usage counter that is a counter of the right kind', () => {
    for (const [kind, key] of Object.entries(USAGE_COUNTER)) {
      if (!key) continue;
      expect(MEASUREMENTS[key].type).toBe('counter');
      expect(MEASUREMENTS[key].kind === kind || kind === 'water').toBe(true);
    }
  });

  it('formats issue paths the way config errors print them', () => {
    expect(formatPath(['meters', 3, 'unitId'])).toBe('meters[3].unitId');
    expect(formatPath([])).toBe('(root)');
  });
});
