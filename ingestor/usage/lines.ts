import type { ManifestMeter } from '../../core/index.ts';

export const USAGE_15M = 'usage';
export const USAGE_1H = 'usage_1h';
export const USAGE_1D = 'usage_1d';

/** Where a meter sits, as carried on every usage point. */
export interface UsageTags extends Pick<ManifestMeter, 'id' | 'building' | 'kind' | 'zone' | 'end_use' | 'facility' | 'role'> {
  site: string;
}

// Line protocol: commas, spaces and equals signs in tag values are escaped with a backslash.
const esc = (v: string) => v.replace(/[,= \\]/g, (c) => `\\${c}`);

/**
 * The tag part of a meter's usage points, built once per meter: a gap of days is thousands of
 * points, and building each through a Point object costs more than writing them.
 */
export function usageSeries(m: UsageTags): string {
  const tags: [string, string | undefined][] = [
    ['building', m.building], ['end_use', m.end_use], ['facility', m.facility], ['kind', m.kind],
    ['meter', m.id], ['role', m.role], ['site', m.site], ['zone', m.zone],
  ];
  return tags.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${esc(v!)}`).join(',');
}

/** One usage point: field `value` in the kind's unit at the interval's start (ms). Same series + time overwrites. */
export function usageLine(measurement: string, series: string, start: number, value: number): string {
  return `${measurement},${series} value=${Number.isFinite(value) ? value : 0} ${start}`;
}
