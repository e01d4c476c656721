import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestMeterSchema, type ManifestMeter } from '../../../../core/index.ts';
import { breakdown, coverage, energyBalance, requiredPoints } from '../../../../ingestor/indicators/index.ts';
import { factorTable, findBuilding, parseRegistryYaml } from '../../../../ingestor/registry/index.ts';

const NOW = Date.UTC(2025, 2, 1, 4);
const MIN = 60_000;
const meter = (m: Partial<ManifestMeter> & { id: string }): ManifestMeter =>
  ManifestMeterSchema.parse({ building: 'b', kind: 'electricity', model: 'sdm630', zone: 'administrative', end_use: 'total', ...m });

describe('coverage', () => {
  const building = {
    id: 'b', zones: [{ zone: 'administrative' as const }, { zone: 'logistics' as const }],
    supplies: ['electricity' as const, 'water' as const], facilities: ['central_ac' as const, 'canteen' as const, 'data_center' as const],
  };
  const meters = [
    meter({ id: 'admin-e' }),
    meter({ id: 'admin-w', kind: 'water' }),
    meter({ id: 'log-e', zone: 'logistics' }),
    // a main meter measures the whole building, not the logistics zone's water
    meter({ id: 'main-w', kind: 'water', zone: 'logistics', role: 'main' }),
    meter({ id: 'ac-e', zone: 'logistics', end_use: 'air_conditioning', facility: 'central_ac' }),
    meter({ id: 'canteen-e', zone: 'logistics', end_use: 'special', facility: 'canteen' }),
    meter({ id: 'dc-e', zone: 'logistics', end_use: 'special', facility: 'data_center' }),
    meter({ id: 'other-building', building: 'x', kind: 'water', zone: 'logistics' }),
  ];
  const lastSeen = { 'admin-e': NOW - MIN, 'admin-w': NOW - 20 * MIN, 'log-e': NOW, 'ac-e': NOW, 'canteen-e': NOW - 15 * MIN };
  const c = coverage({ building, meters, lastSeen, now: NOW });

  it('requires every zone × supplied kind and every facility × its kinds', () => {
    // zones: 2 × 2 kinds = 4; canteen: electricity, water (no gas supplied) = 2; central_ac: 1; data_center: 1
    expect(requiredPoints(building)).toHaveLength(8);
    expect(requiredPoints({ ...building, facilities: ['bathhouse'], supplies: ['water', 'heat', 'electricity'] }).filter((p) => p.group === 'facility').map((p) => p.kinds))
      .toEqual([['water'], ['heat', 'electricity']]);
  });

  it('gives 分区 and 分项 rates and names each missing point', () => {
    // zone: 4 required; admin-e, admin-w, log-e equipped = 3 → 0.75; live (≤ 15 min): admin-e, log-e = 2 → 0.5
    expect(c.zone).toMatchObject({ required: 4, equipped: 3, live: 2, rate: { value: 0.75, unit: '1' }, liveRate: { value: 0.5 } });
    // facility (required ones only): canteen e, canteen w, central_ac e = 3; equipped 2 → 0.6667; live 2 (canteen-e at exactly 15 min)
    expect(c.facility.required).toBe(3);
    expect(c.facility.equipped).toBe(2);
    expect(c.facility.rate.value).toBeCloseTo(2 / 3, 12);
    expect(c.facility.live).toBe(2);
    expect(c.points.filter((p) => p.status === 'missing').map((p) => p.reason)).toEqual([
      'no meter assigned: water for the logistics service zone (后勤服务区)',
      'no meter assigned: water for the canteen (食堂)',
    ]);
    const silent = c.points.filter((p) => p.status === 'silent');
    expect(silent.map((p) => p.meters)).toEqual([['admin-w'], ['dc-e']]);
    expect(silent[0]!.reason).toBe('not heard from within 15 min: admin-w (water for the administrative zone (行政办公区))');
    expect(silent[1]!.required).toBe(false);
  });

  it('lets a main meter stand for the zone of a one-zone building', () => {
    const one = coverage({ building: { ...building, zones: [{ zone: 'administrative' }], facilities: [] }, meters: [meter({ id: 'm', role: 'main' })], lastSeen: {}, now: NOW });
    // 1 zone × 2 kinds: electricity via the main meter, water missing → 0.5; nothing live
    expect([one.zone.rate.value, one.zone.liveRate.value]).toEqual([0.5, 0]);
    expect(one.facility.rate.value).toBeNull();
  });

  it('shows the demo annex below 100% 分项 without a canteen water meter', () => {
    const reg = parseRegistryYaml(readFileSync(path.resolve(import.meta.dirname, '../../../../ingestor/registry/examples/demo-site.yaml'), 'utf8'));
    const annex = findBuilding(reg, 'demo', 'annex')!.building;
    const r = coverage({
      building: annex, now: NOW, lastSeen: {},
      meters: [meter({ id: 'ac', building: 'annex', facility: 'central_ac' }), meter({ id: 'ce', building: 'annex', facility: 'canteen' })],
    });
    // required facility points: central_ac e, canteen e, canteen w (heat is not a canteen kind) = 3; equipped 2
    expect(r.facility.rate.value).toBeCloseTo(2 / 3, 12);
    expect(r.points.find((p) => p.facility === 'canteen' && p.status === 'missing')!.reason).toBe('no meter assigned: water for the canteen (食堂)');
  });
});

describe('energy balance and breakdowns', () => {
  const rows = [
    { meter: 'main-e', kind: 'electricity' as const, zone: 'administrative' as const, endUse: 'total' as const, quantity: 1000 },
    { meter: 'light', parent: 'main-e', kind: 'electricity' as const, zone: 'administrative' as const, endUse: 'lighting_sockets' as const, quantity: 400 },
    { meter: 'ac', parent: 'main-e', kind: 'electricity' as const, zone: 'business' as const, endUse: 'air_conditioning' as const, facility: 'central_ac' as const, quantity: 350 },
    { meter: 'kitchen', parent: 'main-e', kind: 'electricity' as const, zone: 'logistics' as const, endUse: 'special' as const, facility: 'canteen' as const, quantity: 150 },
    { meter: 'kitchen-w', kind: 'water' as const, zone: 'logistics' as const, endUse: 'total' as const, facility: 'canteen' as const, quantity: 30 },
  ];

  it('shows the unmetered share of a parent meter', () => {
    const meters = rows.map((r) => ({ id: r.meter, parent: r.parent, kind: r.kind })).concat({ id: 'lift', parent: 'main-e', kind: 'electricity' });
    const usage = Object.fromEntries(rows.map((r) => [r.meter, r.quantity]));
    const [row, ...rest] = energyBalance(meters, usage);
    // 1000 − (400 + 350 + 150) = 100 kWh → 100 / 1000 = 0.1; the lift meter has no figure
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ parent: 'main-e', childrenUsage: 900, unmetered: { value: 100, unit: 'kWh' }, unmeteredShare: { value: 0.1 }, childrenWithoutData: ['lift'] });
  });

  it('splits leaf meters by zone without counting the main meter twice', () => {
    const ctx = { factors: factorTable(), year: 2024, region: 'east' as const };
    const b = breakdown(rows, 'zone', ctx);
    // administrative 400 kWh × 0.1229 = 49.16; business 350 × 0.1229 = 43.015; logistics 150 × 0.1229 = 18.435 + 30 m³ water
    expect(b.rows.map((r) => [r.key, +r.energy_kgce.value!.toFixed(6), r.water_m3.value])).toEqual([
      ['administrative', 49.16, 0], ['business', 43.015, 0], ['logistics', 18.435, 30],
    ]);
    // shares of 900 kWh: 400/900, 350/900, 150/900
    expect(b.rows.map((r) => r.share.value)).toEqual([400 / 900, 350 / 900, 150 / 900].map((v) => expect.closeTo(v, 12)));
    expect(b.unmetered).toEqual({ electricity: 100, water: 0 });
    expect(breakdown(rows, 'facility', ctx).rows.map((r) => [r.key, r.meters])).toEqual([['canteen', ['kitchen', 'kitchen-w']], ['central_ac', ['ac']]]);
    expect(breakdown(rows, 'end_use', ctx).rows.map((r) => r.key)).toEqual(['air_conditioning', 'lighting_sockets', 'special', 'total']);
  });
});
