import { describe, expect, it } from 'vitest';
import { ZmError } from '../../../core/index.ts';
import { CounterWalk } from '../../../simulators/building/counters.ts';
import { dayInfo, shapeAt } from '../../../simulators/building/loads.ts';
import { BuildingModel } from '../../../simulators/building/model.ts';
import { loadSite, parseSite, type Site } from '../../../simulators/building/schema.ts';
import { series, type TruthRow } from '../../../simulators/building/series.ts';

const DEMO = 'simulators/building/examples/demo-site.yaml';
const localDay = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const cst = (iso: string) => Date.parse(`${iso}+08:00`);

function truthOf(site: Site, from: string, to: string, stepMs = 900_000): TruthRow[] {
  const rows: TruthRow[] = [];
  for (const s of series(new BuildingModel(site), { from: cst(from), to: cst(to), stepMs })) rows.push(...s.truth);
  return rows;
}

describe('site file', () => {
  it('reports every problem with its path', () => {
    const raw = {
      site: 'x',
      endpoints: [{ id: 'tcp', type: 'tcp' }],
      buildings: [{ id: 'b', meters: [
        { id: 'm1', model: 'SDM630', endpoint: 'tcp', unitId: 1, zone: 'administrative', endUse: 'total' },
        { id: 'm2', model: 'NOPE', endpoint: 'tcp', unitId: 1, zone: 'administrative', endUse: 'total', parent: 'zz', profile: 'office', scale: 1 },
        { id: 'm4', model: 'SDM120', endpoint: 'tcp', unitId: 4, zone: 'administrative', endUse: 'total' },
        { id: 'm3', model: 'XT-WM485', endpoint: 'bus', unitId: 3, zone: 'administrative', endUse: 'total', parent: 'm1', profile: 'water', scale: 1 },
      ] }],
    };
    let err: ZmError | undefined;
    try { parseSite(raw, 'site.yaml'); } catch (e) { err = e as ZmError; }
    expect(err).toBeInstanceOf(ZmError);
    expect(err!.details).toEqual(expect.arrayContaining([
      'buildings[0].meters[3].parent: parent "m1" measures electricity, not water',
      expect.stringMatching(/^buildings\[0\]\.meters\[1\]\.model: unknown model "NOPE"/),
      'buildings[0].meters[1].unitId: unit id 1 is already used on endpoint "tcp"',
      'buildings[0].meters[1].parent: no meter "zz"',
      'buildings[0].meters[2].profile: a meter without sub-meters needs a load profile and a scale',
      expect.stringMatching(/^buildings\[0\]\.meters\[3\]\.endpoint: no endpoint "bus"/),
    ]));
  });

  it('loads the bundled demo site', () => {
    const site = loadSite(DEMO);
    expect(site.site).toBe('demo');
    expect(site.buildings.map((b) => b.id)).toEqual(['main', 'annex']);
    expect(site.buildings.flatMap((b) => b.meters).length).toBeGreaterThanOrEqual(20);
  });
});

describe('load shapes', () => {
  it('follow working days, weekends and public holidays', () => {
    const tue = dayInfo(localDay('2024-10-08'));
    const sat = dayInfo(localDay('2024-10-12'));
    const holiday = dayInfo(localDay('2024-10-02'));
    expect(tue.working).toBe(true);
    expect(sat.working).toBe(false);
    expect(holiday.working).toBe(false);
    expect(shapeAt('office', tue, 10)).toBeGreaterThan(3 * shapeAt('office', holiday, 10));
    expect(shapeAt('office', tue, 3)).toBeCloseTo(shapeAt('office', sat, 10), 9);
  });

  it('heat only in the heating season, canteen peaks at meals, data centre always on', () => {
    const jan = dayInfo(localDay('2025-01-15'));
    expect(shapeAt('heating', jan, 10)).toBeGreaterThan(0.5);
    expect(shapeAt('heating', dayInfo(localDay('2025-03-16')), 10)).toBe(0);
    expect(shapeAt('heating', dayInfo(localDay('2024-11-15')), 10)).toBeGreaterThan(0);
    expect(shapeAt('heating', dayInfo(localDay('2024-07-15')), 10)).toBe(0);
    const wed = dayInfo(localDay('2025-06-11'));
    expect(shapeAt('canteen', wed, 12)).toBeGreaterThan(2 * shapeAt('canteen', wed, 10));
    expect(shapeAt('canteen', wed, 7.5)).toBeGreaterThan(2 * shapeAt('canteen', wed, 3));
    expect(shapeAt('data_center', wed, 3)).toBeGreaterThan(0.85);
    expect(shapeAt('central_ac', dayInfo(localDay('2025-07-16')), 15)).toBeGreaterThan(5 * shapeAt('central_ac', jan, 15));
  });
});

describe('building model', () => {
  const site = loadSite(DEMO);

  it('keeps every main meter equal to its sub-meters plus losses, interval by interval', () => {
    const rows = truthOf(site, '2025-01-06T00:00:00', '2025-01-09T00:00:00');
    const model = new BuildingModel(site);
    const byKey = new Map(rows.map((r) => [`${r.meter}@${r.ts}`, r]));
    const parents = model.meters.filter((m) => m.children.length > 0);
    expect(parents.map((p) => p.id).sort()).toEqual(['annex-elec', 'annex-water', 'main-elec', 'main-heat', 'main-water']);
    let checked = 0;
    for (const r of rows) {
      const p = parents.find((x) => x.id === r.meter);
      if (!p) continue;
      const subs = p.children.reduce((s, c) => s + byKey.get(`${c.id}@${r.ts}`)!.usage, 0);
      // Each usage is rounded to 0.001, so the sum carries at most that much per term.
      expect(r.usage).toBeCloseTo(subs * (1 + p.spec.losses), 1);
      if (r.usage > 0) checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('is deterministic for a seed and differs for another', () => {
    const a = truthOf(site, '2024-03-01T00:00:00', '2024-03-02T00:00:00');
    const b = truthOf(site, '2024-03-01T00:00:00', '2024-03-02T00:00:00');
    const c = truthOf({ ...site, seed: site.seed + 1 }, '2024-03-01T00:00:00', '2024-03-02T00:00:00');
    expect(b).toEqual(a);
    expect(c.map((r) => r.counter)).not.toEqual(a.map((r) => r.counter));
  });

  it('continues counters from the origin: a counter is its initial value plus every interval since', () => {
    const rows = truthOf(site, '2020-01-01T00:00:00', '2020-01-03T00:00:00', 3_600_000);
    const dc = rows.filter((r) => r.meter === 'annex-dc');
    expect(dc[0]!.counter).toBe(1_830_000);
    const sum = dc.reduce((s, r) => s + r.usage, 0);
    expect(dc.at(-1)!.counter).toBeCloseTo(1_830_000 + sum, 2);
    // A data centre draws 130–170 kW around the clock: 48 h of it.
    expect(sum).toBeGreaterThan(48 * 130);
    expect(sum).toBeLessThan(48 * 175);
  });

  it('restarts a replaced meter at its new first value and reports old_final / new_first', () => {
    const replaced = parseSite({ ...structuredClone(site), replacements: [{ meter: 'annex-light', at: '2024-05-10T10:00:00+08:00', newFirst: 5 }] }, 'test');
    const model = new BuildingModel(replaced);
    const walk = new CounterWalk(model);
    walk.advanceTo(cst('2024-05-10T09:00:00'));
    const before = walk.values(model.meter('annex-light')).energy_import_kwh!;
    walk.advanceTo(cst('2024-05-10T11:00:00'));
    expect(walk.replacements).toHaveLength(1);
    const r = walk.replacements[0]!;
    expect(r).toMatchObject({ meter: 'annex-light', at: cst('2024-05-10T10:00:00'), new_first: { energy_import_kwh: 5 } });
    expect(r.old_final.energy_import_kwh!).toBeGreaterThan(before);
    const after = walk.values(model.meter('annex-light')).energy_import_kwh!;
    expect(after).toBeGreaterThan(5);
    expect(after).toBeLessThan(5 + 25);
    const rows = truthOf(replaced, '2024-05-10T09:00:00', '2024-05-10T11:00:00', 3_600_000).filter((x) => x.meter === 'annex-light');
    // Usage across the swap stays positive and equals the old meter's tail plus the new one's start.
    expect(rows[1]!.usage).toBeCloseTo((r.old_final.energy_import_kwh! - rows[0]!.counter) + (rows[1]!.counter - 5), 2);
    expect(rows[1]!.usage).toBeGreaterThan(0);
  });
});
