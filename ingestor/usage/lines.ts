import { Point } from '@influxdata/influxdb-client';
import type { ManifestMeter } from '../../core/index.ts';

export const USAGE_15M = 'usage';
export const USAGE_1H = 'usage_1h';
export const USAGE_1D = 'usage_1d';

/** Where a meter sits, as carried on every usage point. */
export interface UsageTags extends Pick<ManifestMeter, 'id' | 'building' | 'kind' | 'zone' | 'end_use' | 'facility' | 'role'> {
  site: string;
}

/** One usage point: field `value` in the kind's unit at the interval's start. Same series + time overwrites. */
export function usageLine(measurement: string, m: UsageTags, start: number, value: number): string {
  const p = new Point(measurement)
    .tag('site', m.site)
    .tag('building', m.building)
    .tag('meter', m.id)
    .tag('kind', m.kind)
    .tag('zone', m.zone)
    .tag('end_use', m.end_use)
    .tag('role', m.role)
    .floatField('value', value)
    .timestamp(start);
  if (m.facility) p.tag('facility', m.facility);
  return p.toLineProtocol()!;
}
