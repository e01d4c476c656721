import { afterEach, describe, expect, it } from 'vitest';
import { faultWindows } from '../../../simulators/building/fault-windows.ts';
import { startBuilding, type Building } from '../../../simulators/building/index.ts';
import { BuildingModel } from '../../../simulators/building/model.ts';
import { parseSite } from '../../../simulators/building/schema.ts';
import { series } from '../../../simulators/building/series.ts';

const H = 3_600_000;
const SITE = {
  site: 'lf', origin: '2026-01-01', seed: 4,
  endpoints: [{ id: 'tcp-1', type: 'tcp', port: 0 }],
  buildings: [{ id: 'b', meters: [
    { id: 'elec', model: 'SDM630', endpoint: 'tcp-1', unitId: 1, zone: 'administrative', endUse: 'total' },
    { id: 'light', model: 'SDM630', endpoint: 'tcp-1', unitId: 2, parent: 'elec', zone: 'administrative', endUse: 'lighting_sockets', profile: 'lighting', scale: 40 },
    { id: 'water', model: 'XT-WM485', endpoint: 'tcp-1', unitId: 3, zone: 'administrative', endUse: 'total', losses: 0 },
    { id: 'water-a', model: 'XT-WM485', endpoint: 'tcp-1', unitId: 4, parent: 'water', zone: 'administrative', endUse: 'total', profile: 'water', scale: 1 },
  ] }],
};
// Saturday 2026-03-07 and Wednesday 2026-03-04, 03:00 and 10:00 local.
const at = (s: string) => Date.parse(`${s}+08:00`);

describe('load faults of the building simulator: leak and left_on', () => {
  let b: Building | undefined;
  afterEach(async () => { await b?.close(); b = undefined; });

  it('a leak adds its flow to the meter and every meter above it; left_on runs a weekend as a working day', () => {
    const model = new BuildingModel(parseSite(SITE, 'site'));
    const night = at('2026-03-07T03:00:00');
    const before = model.rates(night);
    const leak = model.addEffect('water-a', { kind: 'leak', flowM3h: 0.7 });
    const after = model.rates(night);
    expect(after[model.meter('water-a').index]! - before[model.meter('water-a').index]!).toBeCloseTo(0.7, 9);
    expect(after[model.meter('water').index]! - before[model.meter('water').index]!).toBeCloseTo(0.7, 9);
    model.removeEffect(leak);
    // A leak on the inlet itself (between it and its sub-meters) is seen by the inlet only.
    model.addEffect('water', { kind: 'leak', flowM3h: 0.3 }, night - H, night + H);
    expect(model.rates(night)[model.meter('water').index]! - before[model.meter('water').index]!).toBeCloseTo(0.3, 9);
    // Over [from, to) only, and integrated exactly into a slot's usage.
    expect(model.rates(night + 2 * H)[model.meter('water').index]).toBeCloseTo(new BuildingModel(parseSite(SITE, 'site')).rates(night + 2 * H)[model.meter('water').index]!, 9);
    const usage = model.usage(night - 0.5 * H, night - 0.25 * H)[model.meter('water').index]!;
    const base = new BuildingModel(parseSite(SITE, 'site')).usage(night - 0.5 * H, night - 0.25 * H)[model.meter('water').index]!;
    expect(usage - base).toBeCloseTo(0.3 * 0.25, 9);

    const sat = at('2026-03-07T10:00:00');
    const plain = model.rates(sat)[model.meter('light').index]!;
    model.addEffect('elec', { kind: 'left_on' });
    const left = model.rates(sat)[model.meter('light').index]!;
    expect(plain).toBeCloseTo(40 * 0.12 * (left / (40 * 0.9)), 1);
    expect(left / plain).toBeCloseTo(0.9 / 0.12, 1);
    // A working day does not change.
    const wed = at('2026-03-04T10:00:00');
    expect(model.rates(wed)[model.meter('light').index]).toBeCloseTo(new BuildingModel(parseSite(SITE, 'site')).rates(wed)[model.meter('light').index]!, 12);
  });

  it('series: a silent meter\'s readings are left out over its window, a leak is in the counters and the truth', () => {
    const site = parseSite(SITE, 'site');
    const from = at('2026-03-02T00:00:00');
    const faults = faultWindows([
      { meter: 'light', atMin: 60, forMin: 120, fault: { kind: 'silent' } },
      { meter: 'water-a', atMin: 0, fault: { kind: 'leak', flowM3h: 1 } },
    ], from);
    const run = (f = faults) => [...series(new BuildingModel(site), { from, to: from + 6 * H, stepMs: H, faults: f })];
    const steps = run();
    const lights = steps.map((s) => s.readings.some((r) => r.meter === 'light'));
    expect(lights).toEqual([true, false, false, true, true, true, true]);
    const plain = run([]);
    const water = (ss: typeof steps) => ss.at(-1)!.truth.find((t) => t.meter === 'water')!.counter - ss[0]!.truth.find((t) => t.meter === 'water')!.counter;
    expect(water(steps) - water(plain)).toBeCloseTo(6, 2);
  });

  it('the live building applies and clears a leak through fault()', async () => {
    b = await startBuilding(parseSite(SITE, 'site'), { clock: { start: at('2026-03-07T03:00:00'), frozen: true } });
    const flow = () => b!.model.rate('water', b!.clock.now());
    const dry = flow();
    await b.fault('water-a', { kind: 'leak', flowM3h: 2 });
    expect(flow() - dry).toBeCloseTo(2, 9);
    expect(b.status().find((m) => m.id === 'water-a')!.fault).toEqual({ kind: 'leak', flowM3h: 2 });
    await b.fault('water-a', null);
    expect(flow()).toBeCloseTo(dry, 9);
  });
});
