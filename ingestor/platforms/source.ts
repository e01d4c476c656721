import { END_USES, ENERGY_KINDS, USAGE_COUNTER, endUseCode, type EnergyKind } from '../../core/index.ts';
import type { KnownMeter } from '../ingest/directory.ts';
import { ql, type InfluxClient, type SeriesResult } from '../store/influx.ts';

// Measurement names as stored (ingestor/store/points.ts, docs/usage-and-indicators.md); the
// platform reader keeps its own queries so it does not depend on how usage is derived.
const READING = 'reading';
const USAGE_15M = 'usage';

export interface MeterAtEnd {
  meter: KnownMeter;
  /** Counter at or before the period end; null when none was stored within the look-back. */
  counter: number | null;
  /** A reading at or after the period end is stored: its usage in the period is final. */
  complete: boolean;
}

export interface ItemTotal {
  coding: string;
  /** Usage of the period in the kind's unit; null when a contributing meter has not reported past the end. */
  value: number | null;
  complete: boolean;
}

export interface PeriodData {
  meters: MeterAtEnd[];
  items: ItemTotal[];
  complete: boolean;
}

const where = (site: string, building: string) => `"site" = ${ql(site)} AND "building" = ${ql(building)}`;

const byMeter = (series: SeriesResult[] | undefined): Map<string, number> => {
  const out = new Map<string, number>();
  for (const s of series ?? []) {
    const v = s.values[0]?.[1];
    if (s.tags?.meter && typeof v === 'number') out.set(s.tags.meter, v);
  }
  return out;
};

/**
 * What one building reports for the period [start, end): every meter's counter at the end, and
 * the period's usage per energy item. Item totals follow the indicators' rule (docs/usage-and-
 * indicators.md): a kind's total is its main meters (else its top-level meters); the end-use items
 * (01A00…) sum leaf meters by their end-use tag, so nothing is counted twice.
 */
export async function readPeriod(influx: InfluxClient, site: string, building: string, meters: readonly KnownMeter[], start: number, end: number, lookBackMs: number): Promise<PeriodData> {
  const kinds = [...new Set(meters.map((m) => m.kind))].filter((k) => USAGE_COUNTER[k]);
  // One statement per kind and question, sent together: influxd answers them in one request.
  const statements: string[] = [];
  for (const k of kinds) {
    const f = USAGE_COUNTER[k]!;
    const w = `${where(site, building)} AND "kind" = ${ql(k)}`;
    statements.push(`SELECT last("${f}") FROM "${READING}" WHERE ${w} AND time <= ${end}ms AND time > ${end - lookBackMs}ms GROUP BY "meter"`);
    statements.push(`SELECT first("${f}") FROM "${READING}" WHERE ${w} AND time >= ${end}ms GROUP BY "meter"`);
  }
  statements.push(`SELECT sum("value") FROM "${USAGE_15M}" WHERE ${where(site, building)} AND time >= ${start}ms AND time < ${end}ms GROUP BY "meter"`);
  const results = await influx.query(statements.join('; '));
  const counters = new Map<string, number>();
  const after = new Map<string, number>();
  kinds.forEach((_k, i) => {
    for (const [m, v] of byMeter(results[2 * i])) counters.set(m, v);
    for (const [m, v] of byMeter(results[2 * i + 1])) after.set(m, v);
  });
  const used = byMeter(results[2 * kinds.length]);

  const atEnd: MeterAtEnd[] = meters.map((m) => ({ meter: m, counter: counters.get(m.id) ?? null, complete: after.has(m.id) }));
  const complete = new Map(atEnd.map((x) => [x.meter.id, x.complete]));
  const ids = new Set(meters.map((m) => m.id));
  const parents = new Set(meters.map((m) => m.parent).filter((p): p is string => p !== undefined && ids.has(p)));
  const sum = (coding: string, group: KnownMeter[]): ItemTotal => {
    const ok = group.every((m) => complete.get(m.id));
    return { coding, complete: ok, value: ok ? group.reduce((a, m) => a + (used.get(m.id) ?? 0), 0) : null };
  };
  const items: ItemTotal[] = [];
  for (const kind of Object.keys(ENERGY_KINDS) as EnergyKind[]) {
    const ofKind = meters.filter((m) => m.kind === kind && USAGE_COUNTER[kind]);
    if (ofKind.length === 0) continue;
    const mains = ofKind.filter((m) => m.role === 'main');
    items.push(sum(ENERGY_KINDS[kind].code, mains.length ? mains : ofKind.filter((m) => !m.parent || !ids.has(m.parent))));
    // The guideline's item codes 01A00–01D00 split electricity only.
    if (kind !== 'electricity') continue;
    for (const endUse of Object.keys(END_USES) as (keyof typeof END_USES)[]) {
      if (END_USES[endUse].code === null) continue;
      const leaves = ofKind.filter((m) => m.end_use === endUse && !parents.has(m.id));
      if (leaves.length) items.push(sum(endUseCode(endUse, kind), leaves));
    }
  }
  return { meters: atEnd, items, complete: atEnd.every((x) => x.complete) };
}
