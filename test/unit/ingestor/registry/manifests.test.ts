import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestMeterSchema, type ManifestMeter } from '../../../../core/index.ts';
import { checkManifests, parseRegistryYaml } from '../../../../ingestor/registry/index.ts';

const reg = parseRegistryYaml(readFileSync(path.resolve(import.meta.dirname, '../../../../ingestor/registry/examples/demo-site.yaml'), 'utf8'));
const meter = (m: Partial<ManifestMeter> & { id: string }): ManifestMeter =>
  ManifestMeterSchema.parse({ building: 'main', kind: 'electricity', model: 'sdm630', zone: 'administrative', end_use: 'total', ...m });

describe('checkManifests', () => {
  it('finds nothing wrong with a consistent site', () => {
    const gw1 = { site: 'demo', gateway: 'gw-main', meters: [
      meter({ id: 'main-e', role: 'main' }),
      meter({ id: 'ac-e', parent: 'main-e', end_use: 'air_conditioning', facility: 'central_ac' }),
    ] };
    const gw2 = { site: 'demo', gateway: 'gw-annex', meters: [
      meter({ id: 'annex-e', building: 'annex', role: 'main' }),
      meter({ id: 'canteen-w', building: 'annex', kind: 'water', zone: 'logistics', facility: 'canteen' }),
    ] };
    expect(checkManifests(reg, [gw1, gw2])).toEqual([]);
  });

  it('lists every conflict with its path instead of guessing', () => {
    const gw1 = { site: 'demo', gateway: 'gw-main', meters: [
      meter({ id: 'main-e', role: 'main' }),
      meter({ id: 'wing-e', building: 'wing' }),
      meter({ id: 'gas-1', kind: 'gas' }),
      meter({ id: 'pool-w', kind: 'water', facility: 'swimming_pool' }),
      meter({ id: 'sub-1', parent: 'nowhere' }),
    ] };
    const gw2 = { site: 'demo', gateway: 'gw-2', meters: [meter({ id: 'main-e2', role: 'main' }), meter({ id: 'gas-1', building: 'annex' })] };
    const gw3 = { site: 'elsewhere', gateway: 'gw-x', meters: [] };
    const got = checkManifests(reg, [gw1, gw2, gw3]).map((c) => [c.code, c.path, c.gateway, c.meter]);
    expect(got).toEqual([
      ['unknown_building', 'manifests[0].meters[1].building', 'gw-main', 'wing-e'],
      ['kind_not_supplied', 'manifests[0].meters[2].kind', 'gw-main', 'gas-1'],
      ['facility_not_present', 'manifests[0].meters[3].facility', 'gw-main', 'pool-w'],
      ['duplicate_main', 'manifests[1].meters[0].role', 'gw-2', 'main-e2'],
      ['duplicate_meter', 'manifests[1].meters[1].id', 'gw-2', 'gas-1'],
      ['unknown_site', 'manifests[2].site', 'gw-x', undefined],
      ['unknown_parent', 'manifests[0].meters[4].parent', 'gw-main', 'sub-1'],
    ]);
    expect(checkManifests(reg, [gw1, gw2]).find((c) => c.code === 'duplicate_main')!.message)
      .toBe('building "main" already has a main electricity meter "main-e" (gateway "gw-main")');
  });

  it('allows one main meter per kind, not per building', () => {
    const gw = { site: 'demo', gateway: 'g', meters: [meter({ id: 'e', role: 'main' }), meter({ id: 'w', kind: 'water', role: 'main' })] };
    expect(checkManifests(reg, [gw])).toEqual([]);
  });
});

describe('checkManifests with refused claims', () => {
  it('lists a claim on another gateway\'s meter as meter_owned_elsewhere, not as a duplicate', () => {
    const gw1 = { site: 'demo', gateway: 'gw-main', meters: [meter({ id: 'main-e', role: 'main' })] };
    // As applied by the ingestor: the impostor's manifest without the meter it does not own.
    const rogue = { site: 'demo', gateway: 'gw-rogue', meters: [] };
    const got = checkManifests(reg, [gw1, rogue], [{ site: 'demo', gateway: 'gw-rogue', meter: 'main-e', owner: 'gw-main' }]);
    expect(got.map((c) => [c.code, c.path, c.gateway, c.meter])).toEqual([['meter_owned_elsewhere', 'refused[0].meter', 'gw-rogue', 'main-e']]);
    expect(got[0]!.message).toContain('gateway "gw-main" owns');
  });
});
