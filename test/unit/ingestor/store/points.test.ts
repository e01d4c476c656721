import { Point } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../../core/index.ts';
import type { KnownMeter } from '../../../../ingestor/ingest/directory.ts';
import { readingLine } from '../../../../ingestor/store/points.ts';

const meter = (over: Partial<KnownMeter>): KnownMeter => ({
  id: 'm1', site: 's1', gateway: 'gw-1', building: 'b1', kind: 'electricity', zone: 'administrative', end_use: 'lighting_sockets',
  model: 'SDM630', role: 'sub', multiplier: 1, ...over,
} as KnownMeter);

/** The same line built through the InfluxDB client's Point, the reference for escaping and order. */
function viaPoint(r: Reading, m: KnownMeter): string {
  const p = new Point('reading').tag('site', m.site).tag('building', m.building).tag('gateway', m.gateway).tag('meter', m.id)
    .tag('kind', m.kind).tag('zone', m.zone).tag('end_use', m.end_use).timestamp(r.ts);
  for (const [k, v] of Object.entries(r.values)) p.floatField(k, v);
  return p.toLineProtocol()!;
}

describe('readingLine', () => {
  const meters = [
    meter({}),
    meter({ id: 'main hall,1=2', site: 's x', gateway: 'g\tw', building: 'b\n1' }),
    meter({ building: '' }),
  ];
  const readings: Reading[] = [
    { meter: 'm1', ts: 1_700_000_000_000, values: { voltage_l1_v: 229.6, energy_import_kwh: 123_456.78, power_kw: 1.5 } },
    { meter: 'm1', ts: 1_700_000_000_000.7, values: { power_kw: -0.0001, current_l1_a: 1e21, energy_import_kwh: 1e-7 } },
    { meter: 'm1', ts: 0, values: { energy_import_kwh: 0 } },
  ] as Reading[];

  it('writes what the client Point writes: tags and fields in key order, escaped, ms timestamps', () => {
    for (const m of meters) for (const r of readings) expect(readingLine(r, m)).toBe(viaPoint(r, m));
  });

  it('follows a meter whose tags change with a new manifest', () => {
    const a = meter({ zone: 'administrative' });
    const b: KnownMeter = { ...a, zone: 'business' };
    expect(readingLine(readings[0]!, a)).toContain('zone=administrative');
    expect(readingLine(readings[0]!, b)).toContain('zone=business');
  });

  it('refuses a value that is not finite rather than write a line InfluxDB cannot take', () => {
    expect(() => readingLine({ meter: 'm1', ts: 1, values: { power_kw: Number.NaN } } as Reading, meter({}))).toThrow(/power_kw/);
  });
});
