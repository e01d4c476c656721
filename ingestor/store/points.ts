import { Point } from '@influxdata/influxdb-client';
import type { Reading } from '../../core/index.ts';
import type { KnownMeter } from '../ingest/directory.ts';

export const READING_MEASUREMENT = 'reading';
export const USAGE_MEASUREMENT = 'usage';

/**
 * One point per reading: all its values as fields of measurement `reading`, tagged with where the
 * meter sits. A resent reading has the same series and timestamp, so it overwrites itself.
 */
export function readingLine(reading: Reading, meter: KnownMeter): string {
  const p = new Point(READING_MEASUREMENT)
    .tag('site', meter.site)
    .tag('building', meter.building)
    .tag('gateway', meter.gateway)
    .tag('meter', meter.id)
    .tag('kind', meter.kind)
    .tag('zone', meter.zone)
    .tag('end_use', meter.end_use)
    .timestamp(reading.ts);
  for (const [k, v] of Object.entries(reading.values)) p.floatField(k, v);
  return p.toLineProtocol()!;
}
