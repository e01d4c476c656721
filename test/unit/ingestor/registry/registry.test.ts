import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZmError } from '../../../../core/index.ts';
import {
  areaFor, findBuilding, headcountFor, parseRegistry, parseRegistryYaml, yearPeriod, type Registry,
} from '../../../../ingestor/registry/index.ts';

const demoFile = path.resolve(import.meta.dirname, '../../../../ingestor/registry/examples/demo-site.yaml');

const minimal = () => ({
  institutions: [{
    id: 'inst', name: 'Institution', type: 'school',
    sites: [{
      id: 's1', climateZone: 'cold',
      buildings: [{ id: 'b1', area: [{ from: '2019-01-01', m2: 1000 }], zones: [{ zone: 'administrative' }], supplies: ['electricity'] }],
    }],
  }],
});

function problems(input: unknown): string[] {
  try {
    parseRegistry(input, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ZmError);
    return (err as ZmError).details ?? [];
  }
  return [];
}

describe('registry schema', () => {
  it('parses the bundled demo registry', () => {
    const reg = parseRegistryYaml(readFileSync(demoFile, 'utf8'), demoFile);
    const site = reg.institutions[0]!.sites[0]!;
    expect(site.id).toBe('demo');
    expect(site.buildings.map((b) => b.id)).toEqual(['main', 'annex']);
    expect(site.buildings.flatMap((b) => b.zones.map((z) => z.zone))).toEqual(expect.arrayContaining(['administrative', 'business', 'logistics', 'other']));
    const annex = findBuilding(reg, 'demo', 'annex')!;
    expect(annex.gridRegion).toBe('east');
    expect(annex.building.facilities).toEqual(['central_ac', 'canteen', 'data_center']);
    expect(annex.plans.map((p) => p.id)).toEqual(['14th']);
    expect(annex.building.headcount.map((h) => h.year)).toEqual([2020, 2021, 2022, 2023, 2024, 2025, 2026]);
    expect(Object.isFrozen(reg)).toBe(true);
  });

  it('fills defaults: +08:00 days, national grid, the 14th plan', () => {
    const site = parseRegistry(minimal()).institutions[0]!.sites[0]!;
    expect([site.utcOffset, site.gridRegion, site.plans]).toEqual(['+08:00', 'national', ['14th']]);
  });

  it('names every field-level problem with its path', () => {
    const bad = minimal();
    const site = bad.institutions[0]!.sites[0]! as Record<string, unknown>;
    site.buildings = [{ id: 'b1', area: [{ from: '2019-02-30', m2: 10 }], zones: [{ zone: 'canteen' }], supplies: [] }];
    (bad as Record<string, unknown>).plans = [{ id: 'p', name: 'P', baseYear: 2025, targetYear: 2030, targets: { kgce_per_m2: 5 } }];
    const got = problems(bad);
    expect(got).toHaveLength(4);
    expect(got).toEqual(expect.arrayContaining([
      'institutions[0].sites[0].buildings[0].area[0].from: not a calendar date',
      'institutions[0].sites[0].buildings[0].supplies: name the energy kinds the building is supplied with',
      expect.stringMatching(/^institutions\[0\]\.sites\[0\]\.buildings\[0\]\.zones\[0\]\.zone: .*"administrative"/),
      'plans[0].targets.kgce_per_m2: a target decline is a fraction below 1 (0.05 = 5%)',
    ]));
  });

  it('names every cross-field problem with its path once the fields are valid', () => {
    const bad = minimal();
    const site = bad.institutions[0]!.sites[0]! as Record<string, unknown>;
    site.plans = ['14th', '15th'];
    site.buildings = [{
      id: 'b1', area: [{ from: '2020-01-01', m2: 1000 }, { from: '2019-06-01', m2: 1200 }],
      zones: [{ zone: 'business', m2: 800 }, { zone: 'other', m2: 900 }], supplies: ['electricity', 'electricity'],
    }];
    expect(problems(bad)).toEqual([
      'institutions[0].sites[0].plans[1]: no plan "15th" (known: 14th)',
      'institutions[0].sites[0].buildings[0].area[1].from: area entries must be in date order (2019-06-01 is not after 2020-01-01)',
      // 800 + 900 = 1700 m² of zones in a building of 1200 m² (its latest area)
      'institutions[0].sites[0].buildings[0].zones: zone areas add up to 1700 m², more than the building\'s 1200 m²',
      'institutions[0].sites[0].buildings[0].supplies[1]: energy kind "electricity" listed twice',
    ]);
  });

  it('reports duplicate building ids once the rest is valid', () => {
    const bad = minimal();
    const b = bad.institutions[0]!.sites[0]!.buildings;
    b.push({ ...b[0]! });
    expect(problems(bad)).toEqual(['institutions[0].sites[0].buildings[1].id: duplicate building id "b1"']);
  });

  it('checks closed years: known factor ids, one per type and carrier, each year once', () => {
    const bad = minimal() as Record<string, unknown> & ReturnType<typeof minimal>;
    bad.factors = [{ id: 'grid-2021-national', type: 'co2', carrier: 'electricity', value: 0.6, year: 2021, source: 'revision' }];
    (bad.institutions[0]!.sites[0]! as Record<string, unknown>).closedYears = [
      { year: 2020, factors: ['gbt2589-2020-electricity', 'grid-2021-national', 'grid-2023-national'] },
      { year: 2021, factors: ['no-such-factor'] },
      { year: 2020, factors: ['grid-2021-national'] },
    ];
    expect(problems(bad)).toEqual([
      'factors[0].id: "grid-2021-national" is a built-in factor id; give the new value its own id',
      'institutions[0].sites[0].closedYears[2].year: duplicate closed year "2020"',
      'institutions[0].sites[0].closedYears[0].factors[2]: a second co2 factor for electricity ("grid-2023-national")',
      'institutions[0].sites[0].closedYears[1].factors[0]: no factor "no-such-factor"',
    ]);
  });

  it('adds an institution\'s own plan to its buildings', () => {
    const input = { ...minimal(), plans: [{ id: 'inst-2030', name: 'Own target', baseYear: 2025, targetYear: 2030, targets: { kgce_per_capita: 0.1 }, institution: 'inst' }] };
    expect(findBuilding(parseRegistry(input), 's1', 'b1')!.plans.map((p) => p.id)).toEqual(['14th', 'inst-2030']);
    expect(findBuilding(parseRegistry(input), 's1', 'nope')).toBeUndefined();
  });
});

describe('area and head-count for a period', () => {
  const reg: Registry = parseRegistryYaml(readFileSync(demoFile, 'utf8'));
  const annex = findBuilding(reg, 'demo', 'annex')!.building;
  const main = findBuilding(reg, 'demo', 'main')!.building;

  it.each([
    // 2023: 6200 m² for 1 Jan–30 Jun (181 days), 6500 m² for 1 Jul–31 Dec (184 days):
    // (6200 × 181 + 6500 × 184) / 365 = (1 122 200 + 1 196 000) / 365 = 6351.2329
    { period: yearPeriod(2023), method: 'time_weighted' as const, want: 6351.2329 },
    { period: yearPeriod(2023), method: 'year_end' as const, want: 6500 },
    { period: yearPeriod(2022), method: 'time_weighted' as const, want: 6200 },
    // first half of 2023 only: the extension is not in it
    { period: yearPeriod(2023, 6), method: 'time_weighted' as const, want: 6200 },
  ])('annex $period.from → $period.to ($method) = $want m²', ({ period, method, want }) => {
    expect(areaFor(annex, period.from, period.to, method)).toBeCloseTo(want, 4);
  });

  it('counts days before a building stood as 0 m²', () => {
    const b = { area: [{ from: '2024-10-01', m2: 4000 }] };
    // 2024 has 366 days; 1 Oct–31 Dec is 92: 4000 × 92 / 366 = 1005.4645
    expect(areaFor(b, '2024-01-01', '2025-01-01')).toBeCloseTo(1005.4645, 4);
    expect(areaFor(b, '2024-01-01', '2024-07-01')).toBeUndefined();
    expect(areaFor(b, '2024-01-01', '2024-07-01', 'year_end')).toBeUndefined();
  });

  it('takes the year\'s 用能人数, weighting years when a period spans two', () => {
    expect(headcountFor(main, '2023-01-01', '2024-01-01')).toBe(852);
    expect(headcountFor(main, '2023-03-01', '2023-04-01')).toBe(852);
    // 2023-07-01 → 2024-07-01: 184 days of 852 and 182 days of 860 over 366:
    // (852 × 184 + 860 × 182) / 366 = (156 768 + 156 520) / 366 = 855.9781
    expect(headcountFor(main, '2023-07-01', '2024-07-01')).toBeCloseTo(855.9781, 4);
    expect(headcountFor(main, '2019-01-01', '2020-01-01')).toBeUndefined();
  });

  it('gives year-to-date bounds', () => {
    expect(yearPeriod(2025, 3)).toEqual({ from: '2025-01-01', to: '2025-04-01' });
    expect(yearPeriod(2025)).toEqual({ from: '2025-01-01', to: '2026-01-01' });
    expect(() => yearPeriod(2025, 0)).toThrow(RangeError);
  });
});
