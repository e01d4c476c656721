import { WIRE_VERSION, type Manifest, type ManifestMeter, type Replacement } from '../../core/index.ts';
import type { BuildingModel } from './model.ts';

/** The manifest a gateway reading this site would publish: what each meter is and where it sits. */
export function siteManifest(model: BuildingModel, replacements: readonly Replacement[] = [], ts = Date.now()): Manifest {
  const meters: ManifestMeter[] = model.meters.map((m) => ({
    id: m.id,
    building: m.building,
    kind: m.kind,
    model: m.spec.model,
    zone: m.spec.zone,
    end_use: m.spec.endUse,
    ...(m.spec.facility ? { facility: m.spec.facility } : {}),
    ...(m.parent ? { parent: m.parent.id } : {}),
    role: !m.parent && m.children.length > 0 ? 'main' : 'sub',
    multiplier: 1,
    ...(m.spec.name ? { name: m.spec.name } : {}),
  }));
  return { v: WIRE_VERSION, site: model.site.site, gateway: model.site.gateway, ts, meters, replacements: [...replacements] };
}
