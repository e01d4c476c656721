import { Point } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../../core/index.ts';
import type { KnownMeter } from '../../../../ingestor/ingest/directory.ts';
import { pointIdentity } from '../../../../ingestor/store/writer.ts';
import { readingLine, readingLines } from '../../../../ingestor/store/points.ts';

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

/** The line with its fields in key order, as Point writes them. */
function sortFields(line: string): string {
  const m = /^((?:[^ \\]|\\.)*) (.*) (\d+)$/.exec(line)!;
  return `${m[1]} ${m[2]!.split(',').sort().join(',')} ${m[3]}`;
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

  it('writes what the client Point writes (tags in key order, escaped, ms timestamps), fields in the reading\'s order', () => {
    for (const m of meters) for (const r of readings) expect(sortFields(readingLine(r, m))).toBe(viaPoint(r, m));
    const sorted = { meter: 'm1', ts: 5, values: { energy_import_kwh: 2.5, power_kw: 1, voltage_l1_v: 230.1 } } as Reading;
    expect(readingLine(sorted, meters[0]!)).toBe(viaPoint(sorted, meters[0]!));
  });

  it('writes a large batch across buffers, every line as Point would, identities beside them', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const batch = Array.from({ length: 5000 }, (_, i) => {
      const k = i % 7;
      const v = (x: number) => Math.round(x * 10 ** k) / 10 ** k;
      const values = { voltage_l1_v: v(200 + rand() * 40), current_l1_a: v(rand() * 100), power_kw: v((rand() - 0.5) * 1e4), energy_import_kwh: v(rand() * 1e8), power_factor: rand() };
      return { reading: { meter: meters[i % 3]!.id, ts: 1_700_000_000_000 + i * 1000, values } as Reading, meter: meters[i % 3]! };
    });
    const out = readingLines(batch);
    expect(out.lines).toHaveLength(5000);
    expect(new Set(out.lines.map((l) => l.buffer)).size).toBeGreaterThan(1);
    out.lines.forEach((line, i) => {
      const { reading, meter } = batch[i]!;
      expect(sortFields(line.toString('utf8'))).toBe(viaPoint(reading, meter));
      expect(`${out.series[i]} ${out.times[i]}`).toBe(pointIdentity(viaPoint(reading, meter)));
    });
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

describe('numbers in lines', () => {
  it('prints every value exactly as String() does', () => {
    // Values at register resolutions, their negatives, tiny and huge ones, and float noise.
    const samples: number[] = [0, -0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 229.6, 229.60000000000002, 1e-7, 1e-6, 123456.789, 999999999.999999, 1e9 + 0.5, 1e21, 5e-324, Number.MAX_VALUE, 2 ** 53 + 0.5];
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 200_000; i++) {
      const k = i % 8;
      const magnitude = 10 ** ((i % 13) - 3);
      const raw = (rand() - 0.3) * magnitude;
      samples.push(k < 7 ? Math.round(raw * 10 ** k) / 10 ** k : raw);
    }
    const m = meter({});
    const { lines } = readingLines(samples.map((v, i) => ({ meter: m, reading: { meter: m.id, ts: i, values: { power_kw: v } } as Reading })));
    const printed = lines.map((l) => /power_kw=(\S+) /.exec(l.toString('latin1'))![1]);
    const wrong = samples.flatMap((v, i) => (printed[i] === String(v) ? [] : [[v, printed[i]]]));
    expect(wrong).toEqual([]);
  });
});
