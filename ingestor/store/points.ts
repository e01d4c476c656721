import { escape } from '@influxdata/influxdb-client';
import type { Reading } from '../../core/index.ts';
import type { KnownMeter } from '../ingest/directory.ts';

export const READING_MEASUREMENT = 'reading';
export const USAGE_MEASUREMENT = 'usage';

/**
 * Measurement and tags of a meter's reading series, built once per meter: every reading of a
 * batch repeats them, and building them through the client's Point (sorting keys, escaping each
 * value) took a tenth of the ingestor's time under load. A manifest makes new meter objects, so
 * the cache follows the meter's tags as they change.
 */
const seriesKeys = new WeakMap<KnownMeter, string>();

/** The series key of a meter's readings (measurement and tags): the same string object for every reading. */
export function readingSeries(meter: KnownMeter): string {
  let key = seriesKeys.get(meter);
  if (key === undefined) {
    // Tags in key order, as InfluxDB sorts them itself; an empty tag value is left out.
    const tags: [string, string][] = [
      ['building', meter.building], ['end_use', meter.end_use], ['gateway', meter.gateway], ['kind', meter.kind],
      ['meter', meter.id], ['site', meter.site], ['zone', meter.zone],
    ];
    key = READING_MEASUREMENT;
    for (const [k, v] of tags) if (v) key += `,${k}=${escape.tag(v)}`;
    seriesKeys.set(meter, key);
  }
  return key;
}

/**
 * One point per reading: all its values as fields of measurement `reading`, tagged with where the
 * meter sits. A resent reading has the same series and timestamp, so it overwrites itself.
 * Values arrive validated: finite numbers under keys of the closed measurement table, which are
 * plain snake_case and need no escaping. Fields go in key order, numbers as JavaScript prints
 * them (InfluxDB parses exponents too), as the client's Point does.
 */
export function readingLine(reading: Reading, meter: KnownMeter): string {
  const keys = Object.keys(reading.values).sort();
  let fields = '';
  for (const k of keys) {
    const v = reading.values[k as keyof Reading['values']]!;
    if (!Number.isFinite(v)) throw new Error(`invalid float value for field '${k}': ${v}`);
    fields += `${fields ? ',' : ''}${k}=${v}`;
  }
  if (!fields) throw new Error('a reading without values has no line');
  return `${readingSeries(meter)} ${fields} ${Math.floor(reading.ts)}`;
}
