import type { EndUse, EnergyKind, Facility, Zone } from '../../core/index.ts';
import { ql, type InfluxClient } from '../store/influx.ts';
import { USAGE_1D, USAGE_1MO } from '../usage/lines.ts';

/** One meter's usage over a period, from the daily rollups, with the tags it was written with. */
export interface MeterTotal {
  meter: string;
  building: string;
  kind: EnergyKind;
  role: 'main' | 'sub';
  zone: Zone;
  endUse: EndUse;
  facility?: Facility;
  quantity: number;
  /** The part of `quantity` spread across gaps longer than the gap bound. */
  estimated: number;
  /** Milliseconds of the period covered by measured usage. */
  measuredMs: number;
}

export interface Period {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Both bounds are local month starts: the monthly rollups answer, 12 points per meter and year. */
  wholeMonths?: boolean;
}

const TAGS = ['building', 'kind', 'meter', 'role', 'zone', 'end_use', 'facility'];

/**
 * Per-meter totals for each period: one InfluxQL statement per period over the monthly rollups
 * (whole months) or the daily ones, grouped by tags, so a year of 1,000 meters reads 12 points per
 * meter and answers 1,000 rows rather than one query per meter. One request per period, in parallel: influxd runs the
 * statements of one request one after the other, and a year and its base year then take the
 * time of one (test/bench/query.bench.ts).
 */
export async function meterTotals(influx: InfluxClient, site: string, periods: readonly Period[]): Promise<MeterTotal[][]> {
  if (!periods.length) return [];
  const results = await Promise.all(periods.map(async (p) => {
    const [series] = await influx.query(`SELECT sum("value"), sum("estimated"), sum("measured_s") FROM "${p.wholeMonths ? USAGE_1MO : USAGE_1D}" WHERE "site" = ${ql(site)} AND time >= ${p.from}ms AND time < ${p.to}ms GROUP BY ${TAGS.map((t) => `"${t}"`).join(', ')}`);
    return series;
  }));
  return periods.map((_, i) => (results[i] ?? []).map((s) => {
    const t = s.tags ?? {};
    const row: MeterTotal = {
      meter: t.meter ?? '', building: t.building ?? '', kind: t.kind as EnergyKind, role: t.role === 'main' ? 'main' : 'sub',
      zone: t.zone as Zone, endUse: t.end_use as EndUse, quantity: (s.values[0]?.[1] as number | null) ?? 0,
      estimated: (s.values[0]?.[2] as number | null) ?? 0, measuredMs: ((s.values[0]?.[3] as number | null) ?? 0) * 1000,
    };
    if (t.facility) row.facility = t.facility as Facility;
    return row;
  }));
}
