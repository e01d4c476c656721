import { describe, expect, it } from 'vitest';
import { ReadingSchema } from '../../../../core/index.ts';
import { plainReading } from '../../../../ingestor/ingest/validate.ts';

// Readings as a payload's JSON.parse hands them over: the fast path must never accept what the
// schema refuses, and what it accepts must be what the schema returns.
const cases: string[] = [
  '{"meter":"m1","ts":1700000000000,"values":{"power_kw":1.5,"energy_import_kwh":12.25}}',
  '{"ts":0,"values":{"energy_import_kwh":0},"meter":"A.b-c_9"}',
  '{"meter":"m1","ts":8640000000000000,"values":{"power_kw":-1e-7}}',
  '{"meter":"m1","ts":8640000000000001,"values":{"power_kw":1}}',
  '{"meter":"m1","ts":-1,"values":{"power_kw":1}}',
  '{"meter":"m1","ts":1.5,"values":{"power_kw":1}}',
  '{"meter":"m1","ts":"1700000000000","values":{"power_kw":1}}',
  '{"meter":"","ts":1,"values":{"power_kw":1}}',
  '{"meter":"-m1","ts":1,"values":{"power_kw":1}}',
  `{"meter":"${'m'.repeat(65)}","ts":1,"values":{"power_kw":1}}`,
  `{"meter":"${'m'.repeat(64)}","ts":1,"values":{"power_kw":1}}`,
  '{"meter":"m 1","ts":1,"values":{"power_kw":1}}',
  '{"meter":1,"ts":1,"values":{"power_kw":1}}',
  '{"meter":"m1","ts":1,"values":{}}',
  '{"meter":"m1","ts":1,"values":[]}',
  '{"meter":"m1","ts":1,"values":null}',
  '{"meter":"m1","ts":1}',
  '{"meter":"m1","ts":1,"values":{"power_kw":"1"}}',
  '{"meter":"m1","ts":1,"values":{"power_kw":1e999}}',
  '{"meter":"m1","ts":1,"values":{"power_kw":null}}',
  '{"meter":"m1","ts":1,"values":{"no_such_thing":1}}',
  '{"meter":"m1","ts":1,"values":{"__proto__":1}}',
  '{"meter":"m1","ts":1,"values":{"constructor":1}}',
  '{"meter":"m1","ts":1,"values":{"power_kw":1},"extra":true}',
  '{"meter":"m1","ts":1,"values":{"power_kw":1},"__proto__":{"x":1}}',
  '{"meter":"m1","ts":1,"values":{"power_kw":1},"quality":{"power_kw":"estimated"}}',
  '{"meter":"m1","ts":1,"values":{"power_kw":1},"quality":{"power_kw":"nonsense"}}',
  '[1,2,3]',
  'null',
  '"m1"',
];

describe('plainReading (the ingest fast path)', () => {
  it.each(cases)('answers as ReadingSchema for %s', (json) => {
    const raw: unknown = JSON.parse(json);
    const fast = plainReading(raw);
    const schema = ReadingSchema.safeParse(raw);
    if (fast) {
      expect(schema.success).toBe(true);
      expect(fast).toEqual(schema.data);
    }
  });

  it('takes the common shape itself and leaves quality flags to the schema', () => {
    expect(plainReading(JSON.parse(cases[0]!))).not.toBeNull();
    expect(plainReading(JSON.parse(cases[25]!))).toBeNull();
  });
});
