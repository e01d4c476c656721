import type { EndUse, EnergyKind, Facility, Zone } from '../../core/index.ts';
import type { MeterTotal } from '../indicators/quantities.ts';
import type { UsageTags } from '../usage/lines.ts';

/** What a meter total says of its meter: everything but the quantity and its measured time. */
export type MeterRow = Omit<MeterTotal, 'quantity' | 'measuredMs'>;

/** A usage series' tags as InfluxDB returns them (GROUP BY), read back into the tags they were written from. */
export function usageTagsOf(site: string, t: Record<string, string>): UsageTags {
  const tags: UsageTags = {
    site, id: t.meter ?? '', building: t.building ?? '', kind: t.kind as EnergyKind, zone: t.zone as Zone, end_use: t.end_use as EndUse,
    role: t.role === 'main' ? 'main' : 'sub',
  };
  if (t.facility) tags.facility = t.facility as Facility;
  return tags;
}

/** The meter part of a total row, from a usage series' tags. */
export function meterRow(t: UsageTags): MeterRow {
  const row: MeterRow = { meter: t.id, building: t.building, kind: t.kind, role: t.role === 'main' ? 'main' : 'sub', zone: t.zone, endUse: t.end_use };
  if (t.facility) row.facility = t.facility;
  return row;
}
