import { describe, expect, it } from 'vitest';
import {
  achievedShare, computeIndicators, decline, planProgress, requiredYearlyDecline, totals, yearContext, type IndicatorSet,
} from '../../../../ingestor/indicators/index.ts';
import { PLAN_14TH, factorTable } from '../../../../ingestor/registry/index.ts';

const factors = factorTable();

describe('totals and indicators', () => {
  const set = computeIndicators({
    factors, year: 2023, region: 'east', areaM2: 10_000, headcount: 500,
    quantities: { electricity: 1_000_000, heat: 500_000, gas: 10_000, water: 10_000 },
  });

  it('sums standard coal and CO₂ carrier by carrier; water is not energy', () => {
    // kgce: 1 000 000 × 0.1229 + 500 000 × 0.122832 + 10 000 × 1.2143 = 122 900 + 61 416 + 12 143 = 196 459
    expect(set.energy_kgce.value).toBeCloseTo(196_459, 6);
    // CO₂: 1 000 000 × 0.5500 (east 2023) + 500 000 × 0.396 + 10 000 × 2.162 = 550 000 + 198 000 + 21 620 = 769 620
    expect(set.co2_kg.value).toBeCloseTo(769_620, 6);
    expect(set.water_m3).toEqual({ value: 10_000, unit: 'm³' });
    expect(totals({ water: 5 }, { factors, year: 2023, region: 'east' }).energy_kgce.value).toBe(0);
  });

  it('divides by area and head-count, each figure with its unit', () => {
    expect(set.kgce_per_m2.unit).toBe('kgce/m²');
    expect(set.kgce_per_m2.value).toBeCloseTo(19.6459, 10); // 196 459 / 10 000
    expect(set.kgce_per_capita.value).toBeCloseTo(392.918, 10); // 196 459 / 500
    expect(set.water_m3_per_capita).toEqual({ value: 20, unit: 'm³/person' }); // 10 000 / 500
    expect(set.kgco2_per_m2.value).toBeCloseTo(76.962, 10); // 769 620 / 10 000
    expect(set.area_m2).toEqual({ value: 10_000, unit: 'm²' });
    expect(set.headcount).toEqual({ value: 500, unit: 'person' });
  });

  it('records the vintage of every factor used', () => {
    expect(set.vintages.filter((v) => v.type === 'co2').map((v) => [v.carrier, v.id, v.via])).toEqual([
      // gas and heat have national factors only: the east region falls back to them
      ['electricity', 'grid-2023-east', 'exact'], ['gas', 'gas-co2-2162', 'national'], ['heat', 'heat-co2-011', 'national'],
    ]);
    const pinned = computeIndicators({ factors, year: 2025, region: 'east', areaM2: 1, headcount: 1, quantities: { electricity: 100 }, pins: { 'co2:electricity': 'grid-2021-national' } });
    expect(pinned.co2_kg.value).toBeCloseTo(55.68, 10); // 100 × 0.5568
  });

  it('gives null, not a guess, without area, head-count or a factor', () => {
    const s = computeIndicators({ factors, year: 2023, region: 'east', areaM2: undefined, headcount: 0, quantities: { electricity: 1, cooling: 10 } });
    expect(s.kgce_per_m2).toEqual({ value: null, unit: 'kgce/m²' });
    expect(s.kgce_per_capita.value).toBeNull();
    expect(s.missing).toEqual([{ type: 'coal', carrier: 'cooling' }, { type: 'co2', carrier: 'cooling' }]);
  });
});

describe('against a base', () => {
  it('reproduces the review example: 4.79% against 5% is 95.8% achieved', () => {
    const d = decline(100, 95.21); // (100 − 95.21) / 100 = 0.0479
    expect(d).toBeCloseTo(0.0479, 12);
    expect(achievedShare(d, 0.05)).toBeCloseTo(0.958, 12); // 0.0479 / 0.05
  });

  it('works out the yearly decline still needed', () => {
    // T = 0.05, d = 0.02, n = 3: 1 − (0.95 / 0.98)^(1/3) = 1 − 0.969388^(1/3) = 0.010310
    const r = requiredYearlyDecline(0.05, 0.02, 3)!;
    expect(r).toBeCloseTo(0.0103100127, 9);
    expect((1 - 0.02) * (1 - r) ** 3).toBeCloseTo(0.95, 12);
    expect(requiredYearlyDecline(0.05, 0.02, 0)).toBeNull();
    expect(requiredYearlyDecline(0.05, 0.08, 1)! < 0).toBe(true); // already past the target
  });

  it('compares a building with the national 2020 references under the 14th plan', () => {
    // National 2020 references as the base: 18.48 kgce/m², 329.56 kgce/person, 21.53 m³/person.
    const base = {
      kgce_per_m2: { value: 18.48, unit: 'kgce/m²' }, kgce_per_capita: { value: 329.56, unit: 'kgce/person' },
      water_m3_per_capita: { value: 21.53, unit: 'm³/person' }, kgco2_per_m2: { value: null, unit: 'kgCO2/m²' },
    } as IndicatorSet;
    // 2024: 1 200 000 kWh × 0.1229 = 147 480 kgce; 20 000 m³ gas × 1.2143 = 24 286 kgce; E = 171 766 kgce
    const now = computeIndicators({ factors, year: 2024, region: 'east', areaM2: 10_000, headcount: 600, quantities: { electricity: 1_200_000, gas: 20_000, water: 12_000 } });
    const p = Object.fromEntries(planProgress(PLAN_14TH, base, now, 2024).map((x) => [x.indicator, x]));
    // per m²: 171 766 / 10 000 = 17.1766; d = (18.48 − 17.1766) / 18.48 = 0.0705303; 0.0705303 / 0.05 = 1.410606
    // n = 2025 − 2024 = 1: r = 1 − 0.95 / (1 − 0.0705303) = −0.022088 (met, with room)
    expect(p.kgce_per_m2!.decline.value).toBeCloseTo(0.0705303030, 9);
    expect(p.kgce_per_m2!.achieved.value).toBeCloseTo(1.4106060606, 9);
    expect(p.kgce_per_m2!.yearsLeft).toBe(1);
    expect(p.kgce_per_m2!.requiredYearlyDecline.value).toBeCloseTo(-0.0220881897, 9);
    // per person: 171 766 / 600 = 286.27667; d = (329.56 − 286.27667) / 329.56 = 0.1313367; / 0.06 = 2.188946
    expect(p.kgce_per_capita!.decline.value).toBeCloseTo(0.1313367318, 9);
    expect(p.kgce_per_capita!.achieved.value).toBeCloseTo(2.1889455301, 9);
    // water: 12 000 / 600 = 20; d = (21.53 − 20) / 21.53 = 0.0710636; / 0.06 = 1.184394
    expect(p.water_m3_per_capita!.decline.value).toBeCloseTo(0.0710636321, 9);
    expect(p.water_m3_per_capita!.achieved.value).toBeCloseTo(1.1843938690, 9);
    // no carbon reference: no decline rather than a made-up one
    expect(p.kgco2_per_m2!.decline).toEqual({ value: null, unit: '1' });
    expect(p.kgco2_per_m2!.target).toEqual({ value: 0.07, unit: '1' });
  });
});

describe('closed years', () => {
  // A registry that later revised the 2021 national grid factor: an open 2020 takes the revision
  // (nearest later year), a closed 2020 keeps the value it was reported with.
  const revised = [{ id: 'grid-2021-national-rev', type: 'co2' as const, carrier: 'electricity' as const, value: 0.6, year: 2021, region: 'national' as const, source: 'revision' }];
  const site = (closedYears: { year: number; factors: string[] }[]) => ({ gridRegion: 'national' as const, closedYears });

  it('an open year takes the factors in force now', () => {
    const t = totals({ electricity: 1000 }, yearContext(revised, site([]), 2020));
    expect(t.co2_kg.value).toBeCloseTo(600, 9); // 1000 kWh × 0.6
    expect(t.vintages.find((v) => v.type === 'co2')).toMatchObject({ id: 'grid-2021-national-rev', via: 'later_year' });
  });

  it('a closed year keeps its pinned vintage even after the registry replaced it', () => {
    const t = totals({ electricity: 1000 }, yearContext(revised, site([{ year: 2020, factors: ['grid-2021-national'] }]), 2020));
    expect(t.co2_kg.value).toBeCloseTo(556.8, 9); // 1000 kWh × 0.5568, as filed
    expect(t.vintages.find((v) => v.type === 'co2')).toMatchObject({ id: 'grid-2021-national', via: 'pinned' });
    // Only the pinned type moves: the coal coefficient is chosen as usual.
    expect(t.vintages.find((v) => v.type === 'coal')).toMatchObject({ via: 'exact' });
    // Other years are not affected by 2020's pins.
    expect(totals({ electricity: 1000 }, yearContext(revised, site([{ year: 2020, factors: ['grid-2021-national'] }]), 2021)).co2_kg.value).toBeCloseTo(600, 9);
  });
});
