import { formatPath, type ManifestMeter } from '../../core/index.ts';
import { findSite } from './lookup.ts';
import type { Registry } from './schema.ts';

export type ConflictCode =
  | 'unknown_site' | 'unknown_building' | 'kind_not_supplied' | 'zone_not_present' | 'facility_not_present'
  | 'duplicate_main' | 'duplicate_meter' | 'unknown_parent' | 'meter_owned_elsewhere';

export interface ManifestConflict {
  code: ConflictCode;
  /** Where in the list of manifests passed in, e.g. manifests[1].meters[3].building. */
  path: string;
  site: string;
  gateway: string;
  meter?: string;
  message: string;
}

export interface ManifestLike {
  site: string;
  gateway: string;
  meters: readonly ManifestMeter[];
}

/** A manifest's claim on a meter another gateway owns, refused by the ingestor. */
export interface RefusedClaimLike {
  site: string;
  gateway: string;
  meter: string;
  owner: string;
}

/**
 * Checks gateways' manifests against the registry and lists every disagreement. Nothing is
 * resolved here: which of two main meters is right is for a person to say.
 */
export function checkManifests(registry: Registry, manifests: readonly ManifestLike[], refused: readonly RefusedClaimLike[] = []): ManifestConflict[] {
  const out: ManifestConflict[] = [];
  // Refused, so they change nothing; listed so a person sees which gateway claims whose meter.
  refused.forEach((r, i) => out.push({
    code: 'meter_owned_elsewhere', path: formatPath(['refused', i, 'meter']), site: r.site, gateway: r.gateway, meter: r.meter,
    message: `gateway "${r.gateway}" claims meter "${r.meter}", which gateway "${r.owner}" owns; refused (re-home it through the API if the meter moved)`,
  }));
  const meterAt = new Map<string, { gateway: string; path: string }>();
  const mainAt = new Map<string, { meter: string; gateway: string }>();
  const parents: { site: string; gateway: string; meter: string; parent: string; path: string }[] = [];

  manifests.forEach((m, i) => {
    const found = findSite(registry, m.site);
    if (!found) {
      out.push({ code: 'unknown_site', path: formatPath(['manifests', i, 'site']), site: m.site, gateway: m.gateway, message: `the registry has no site "${m.site}"` });
    }
    m.meters.forEach((meter, k) => {
      const path = (field: string) => formatPath(['manifests', i, 'meters', k, field]);
      const add = (code: ConflictCode, field: string, message: string) => out.push({ code, path: path(field), site: m.site, gateway: m.gateway, meter: meter.id, message });
      const key = `${m.site}/${meter.id}`;
      const seen = meterAt.get(key);
      if (seen) add('duplicate_meter', 'id', `meter "${meter.id}" is also in gateway "${seen.gateway}" (${seen.path})`);
      else meterAt.set(key, { gateway: m.gateway, path: path('id') });
      if (meter.parent) parents.push({ site: m.site, gateway: m.gateway, meter: meter.id, parent: meter.parent, path: path('parent') });
      if (!found) return;
      const building = found.site.buildings.find((b) => b.id === meter.building);
      if (!building) {
        add('unknown_building', 'building', `site "${m.site}" has no building "${meter.building}" in the registry`);
        return;
      }
      if (!building.supplies.includes(meter.kind)) add('kind_not_supplied', 'kind', `building "${building.id}" is not supplied with ${meter.kind}`);
      if (!building.zones.some((z) => z.zone === meter.zone)) add('zone_not_present', 'zone', `building "${building.id}" has no ${meter.zone} zone`);
      if (meter.facility && !building.facilities.includes(meter.facility)) add('facility_not_present', 'facility', `building "${building.id}" has no ${meter.facility}`);
      if (meter.role === 'main') {
        const mainKey = `${m.site}/${building.id}/${meter.kind}`;
        const other = mainAt.get(mainKey);
        if (other) add('duplicate_main', 'role', `building "${building.id}" already has a main ${meter.kind} meter "${other.meter}" (gateway "${other.gateway}")`);
        else mainAt.set(mainKey, { meter: meter.id, gateway: m.gateway });
      }
    });
  });
  for (const p of parents) {
    if (!meterAt.has(`${p.site}/${p.parent}`)) {
      out.push({ code: 'unknown_parent', path: p.path, site: p.site, gateway: p.gateway, meter: p.meter, message: `no meter "${p.parent}" on site "${p.site}"` });
    }
  }
  return out;
}
