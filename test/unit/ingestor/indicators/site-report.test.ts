import { describe, expect, it } from 'vitest';
import { SiteReportSchema } from '../../../../core/api.ts';
import { monthBounds, monthlyTable } from '../../../../ingestor/indicators/monthly-table.ts';
import type { MeterTotal } from '../../../../ingestor/indicators/quantities.ts';
import { reportPeriods, siteReport } from '../../../../ingestor/indicators/site-report.ts';
import { parseRegistryYaml } from '../../../../ingestor/registry/parse.ts';

const registry = parseRegistryYaml(`
institutions:
  - id: bureau
    name: Test bureau
    type: office
    sites:
      - id: campus
        climateZone: cold
        buildings:
          - id: a
            area: [{ from: '2019-01-01', m2: 10000 }]
            headcount: [{ year: 2020, persons: 500 }, { year: 2024, persons: 500 }]
            zones: [{ zone: administrative }]
            supplies: [electricity]
`);

const YEAR_MS = 366 * 86_400_000;
const total = (quantity: number, measuredMs: number): MeterTotal => ({
  meter: 'a-main', building: 'a', kind: 'electricity', role: 'main', zone: 'administrative', endUse: 'total', quantity, measuredMs,
});
const input = { parentOf: () => undefined, meters: [{ id: 'a-main', building: 'a', kind: 'electricity' as const, role: 'main' as const }], now: Date.UTC(2025, 5, 1) };

// The report is computed from totals handed in: no store, no query, nothing awaited.
describe('siteReport from totals', () => {
  it('asks for the year and the plan\'s base year, then computes the figures and the decline', () => {
    const at = reportPeriods(registry, 'campus', { year: 2024 }, input.now);
    expect(at.periods.map((p) => p.year)).toEqual([2024, 2020]);
    const report = siteReport(registry, at, [[total(950_000, YEAR_MS)], [total(1_000_000, YEAR_MS)]], input);
    const m2 = report.total.indicators.kgce_per_m2;
    expect(m2.value).toBeCloseTo((950_000 * 0.1229) / 10_000, 9);
    const progress = report.total.plans[0]!.progress.find((p) => p.indicator === 'kgce_per_m2')!;
    expect(progress.decline.value).toBeCloseTo(0.05, 9);
    expect(progress.achieved.value).toBeCloseTo(1, 9);
    expect(SiteReportSchema.safeParse(report).success).toBe(true);
  });

  it('reports null with the reason, never 0, for a year without usage', () => {
    const at = reportPeriods(registry, 'campus', { year: 2024 }, input.now);
    const report = siteReport(registry, at, [[], [total(1_000_000, YEAR_MS)]], input);
    expect(report.total.indicators.kgce_per_m2).toMatchObject({ value: null, reason: 'no_data' });
  });

  it('tabulates months from the totals of the twelve month bounds', () => {
    const bounds = monthBounds(registry, 'campus', 2024);
    expect(bounds).toHaveLength(12);
    const table = monthlyTable(registry, 'campus', 2024, bounds.map((b) => [total(1000, b.to - b.from)]), input);
    expect(table.rows.map((r) => r.month)).toEqual(Array.from({ length: 12 }, (_, i) => `2024-${String(i + 1).padStart(2, '0')}`));
    expect(table.rows.every((r) => r.complete && r.energy_kgce === 1000 * 0.1229)).toBe(true);
  });
});
