import type { FastifyPluginAsync } from 'fastify';
import { API } from '../../core/api.ts';
import { USAGE_COUNTER, ZmError } from '../../core/index.ts';
import type { ExpectedMeter } from '../indicators/completeness.ts';
import { findSite } from '../registry/lookup.ts';
import type { Registry } from '../registry/schema.ts';
import type { ReportingContext } from './reporting-context.ts';
import { route } from './route.ts';

/** The registry, or 404 when the ingestor runs without one. */
export function requireRegistry(ctx: ReportingContext): Registry {
  if (!ctx.registry) throw new ZmError('ERR_NOT_FOUND', 'no site registry is configured (config: registry)');
  return ctx.registry;
}

export function requireSite(ctx: ReportingContext, site: string) {
  const found = findSite(requireRegistry(ctx), site);
  if (!found) throw new ZmError('ERR_NOT_FOUND', `the registry has no site "${site}"`);
  return found;
}

/** The site's meters with a usage counter, as the directory knows them from the gateways' manifests. */
export function expectedMeters(ctx: ReportingContext, site: string): ExpectedMeter[] {
  return ctx.directory.allMeters().filter((m) => m.site === site && USAGE_COUNTER[m.kind]).map((m) => {
    const e: ExpectedMeter = { id: m.id, building: m.building, kind: m.kind, role: m.role };
    if (m.parent) e.parent = m.parent;
    return e;
  });
}

export const sitesRoutes = (ctx: ReportingContext): FastifyPluginAsync => async (app) => {
  route(app, API.sites, async () => {
    const registry = requireRegistry(ctx);
    const conflicts = ctx.conflicts?.check() ?? [];
    return {
      sites: registry.institutions.flatMap((inst) => inst.sites.map((s) => ({
        id: s.id, name: s.name ?? null, institution: { id: inst.id, name: inst.name, type: inst.type },
        utc_offset: s.utcOffset, climate_zone: s.climateZone, grid_region: s.gridRegion, plans: s.plans,
        conflicts: conflicts.filter((c) => c.site === s.id).length,
        buildings: s.buildings.map((b) => ({
          id: b.id, name: b.name ?? null,
          area: b.area.map((a) => ({ from: a.from, value: a.m2, unit: 'm²' })),
          headcount: b.headcount.map((h) => ({ year: h.year, value: h.persons, unit: 'person' })),
          zones: b.zones.map((z) => ({ zone: z.zone, area: z.m2 === undefined ? null : { value: z.m2, unit: 'm²' } })),
          facilities: b.facilities,
          supplies: b.supplies,
          meters: ctx.directory.allMeters().filter((m) => m.site === s.id && m.building === b.id).length,
        })),
      }))),
    };
  });

  route(app, API.conflicts, async ({ params: { site } }) => {
    requireSite(ctx, site);
    return { site, conflicts: (ctx.conflicts?.check() ?? []).filter((c) => c.site === site) };
  });
};
