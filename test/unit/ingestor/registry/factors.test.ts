import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FACTORS, GJ_PER_KWH, PLAN_14TH, factorTable, factorUnit, parseRegistry, planTable, plansInForce, selectFactor, type Factor,
} from '../../../../ingestor/registry/index.ts';

const value = (id: string) => DEFAULT_FACTORS.find((f) => f.id === id)?.value;

describe('default factors', () => {
  it('carry the design values exactly', () => {
    expect(value('gbt2589-2020-electricity')).toBe(0.1229);
    expect(value('gbt2589-2020-gas')).toBe(1.2143);
    // 34.12 kgce/GJ × 0.0036 GJ/kWh = 0.122832 kgce per kWh of heat
    expect(GJ_PER_KWH).toBe(3.6 / 1000);
    expect(value('gbt2589-2020-heat')).toBeCloseTo(0.122832, 12);
    // 0.11 tCO₂/GJ = 110 kgCO₂/GJ × 0.0036 = 0.396 kgCO₂ per kWh of heat
    expect(value('heat-co2-011')).toBeCloseTo(0.396, 12);
    expect(value('gas-co2-2162')).toBe(2.162);
    expect([value('grid-2021-national'), value('grid-2022-national'), value('grid-2023-national')]).toEqual([0.5568, 0.5366, 0.5306]);
    expect(['north', 'north_east', 'east', 'central', 'north_west', 'south', 'south_west'].map((r) => value(`grid-2023-${r}`)))
      .toEqual([0.6361, 0.5122, 0.55, 0.5271, 0.5543, 0.4042, 0.2472]);
  });

  it('name a source, year and region for every entry, with unique ids', () => {
    for (const f of DEFAULT_FACTORS) expect(f.source.length, f.id).toBeGreaterThan(5);
    expect(new Set(DEFAULT_FACTORS.map((f) => f.id)).size).toBe(DEFAULT_FACTORS.length);
    expect(factorUnit({ type: 'coal', carrier: 'gas' })).toBe('kgce/m³');
    expect(factorUnit({ type: 'co2', carrier: 'electricity' })).toBe('kgCO2/kWh');
  });
});

describe('selectFactor', () => {
  const table = factorTable();
  it.each([
    { year: 2023, region: 'east', id: 'grid-2023-east', via: 'exact' },
    // 2025 has no vintage: the nearest earlier year, 2023
    { year: 2025, region: 'east', id: 'grid-2023-east', via: 'earlier_year' },
    { year: 2022, region: 'national', id: 'grid-2022-national', via: 'exact' },
    // no regional vintage for 2022 or earlier: national 2022
    { year: 2022, region: 'south', id: 'grid-2022-national', via: 'national' },
    // nothing at or before 2020 anywhere: the earliest later one, said so
    { year: 2020, region: 'east', id: 'grid-2023-east', via: 'later_year' },
    { year: 2020, region: 'national', id: 'grid-2021-national', via: 'later_year' },
  ] as const)('grid CO₂ for $year in $region → $id ($via)', ({ year, region, id, via }) => {
    const choice = selectFactor(table, 'co2', 'electricity', year, region)!;
    expect([choice.factor.id, choice.via]).toEqual([id, via]);
  });

  it('keeps a pinned vintage for a closed period', () => {
    expect(selectFactor(table, 'co2', 'electricity', 2025, 'east', 'grid-2021-national')).toMatchObject({ factor: { value: 0.5568 }, via: 'pinned' });
    expect(selectFactor(table, 'co2', 'electricity', 2025, 'east', 'gbt2589-2020-gas')).toBeUndefined();
  });

  it('has nothing for district cooling unless configured', () => {
    expect(selectFactor(table, 'coal', 'cooling', 2024)).toBeUndefined();
  });

  it('lets user entries replace and extend the defaults', () => {
    const own: Factor[] = [
      { id: 'zj-2024', type: 'co2', carrier: 'electricity', value: 0.5153, year: 2024, region: 'east', source: 'provincial list' },
      { id: 'my-east-2023', type: 'co2', carrier: 'electricity', value: 0.6, year: 2023, region: 'east', source: 'audit' },
    ];
    const t = factorTable(own);
    expect(selectFactor(t, 'co2', 'electricity', 2025, 'east')!.factor.id).toBe('zj-2024');
    expect(selectFactor(t, 'co2', 'electricity', 2023, 'east')!.factor.value).toBe(0.6);
    expect(t).toHaveLength(DEFAULT_FACTORS.length + 1);
  });

  it('reads overrides from the registry config, checked with paths', () => {
    const base = { institutions: [{ id: 'i', name: 'I', type: 'office', sites: [{ id: 's', climateZone: 'mild', buildings: [{ id: 'b', area: [{ from: '2020-01-01', m2: 1 }], zones: [{ zone: 'other' }], supplies: ['electricity'] }] }] }] };
    const reg = parseRegistry({ ...base, factors: [{ id: 'x', type: 'co2', carrier: 'electricity', value: 0.5, year: 2024, region: 'east', source: 's' }] });
    expect(reg.factors[0]!.region).toBe('east');
    expect(() => parseRegistry({ ...base, factors: [{ id: 'x', type: 'co2', carrier: 'steam', value: -1, year: 2024, source: 's' }] }))
      .toThrow(expect.objectContaining({ details: expect.arrayContaining([expect.stringMatching(/^factors\[0\]\.carrier: /), expect.stringMatching(/^factors\[0\]\.value: /)]) }));
  });
});

describe('plans', () => {
  it('presets the 14th plan', () => {
    expect(PLAN_14TH).toMatchObject({ baseYear: 2020, targetYear: 2025, targets: { kgce_per_m2: 0.05, kgce_per_capita: 0.06, water_m3_per_capita: 0.06, kgco2_per_m2: 0.07 } });
  });

  it('drops in the 15th plan beside it and picks what is in force for a year', () => {
    const p15 = { id: '15th', name: '15th', baseYear: 2025, targetYear: 2030, targets: { kgce_per_m2: 0.04 } };
    const plans = [...planTable([p15]).values()];
    expect(plansInForce(plans, 2025).map((p) => p.id)).toEqual(['14th']);
    expect(plansInForce(plans, 2026).map((p) => p.id)).toEqual(['15th']);
    expect(plansInForce(plans, 2020)).toEqual([]);
  });
});
