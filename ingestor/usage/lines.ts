import type { ManifestMeter } from '../../core/index.ts';

export const USAGE_15M = 'usage';
export const USAGE_1H = 'usage_1h';
export const USAGE_1D = 'usage_1d';
/** Local calendar months: what annual and monthly indicators read, 12 points per meter and year. */
export const USAGE_1MO = 'usage_1mo';

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

/** An interval's usage: its total, the part of it that is estimated, and the ms of it measured. */
export interface UsageFigures {
  value: number;
  estimated: number;
  measuredMs: number;
}

const num = (v: number) => (Number.isFinite(v) ? v : 0);

/**
 * One usage point at the interval's start (ms): `value` in the kind's unit, `estimated` the part of it
 * spread across a gap longer than the gap bound, `measured_s` the seconds of the interval covered by
 * measured steps (completeness is measured_s over the interval's length). Same series + time overwrites.
 */
export function usageLine(measurement: string, series: string, start: number, f: UsageFigures): string {
  return `${measurement},${series} value=${num(f.value)},estimated=${num(f.estimated)},measured_s=${Math.round(num(f.measuredMs) / 1000)} ${start}`;
}
