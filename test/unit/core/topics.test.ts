import { describe, expect, it } from 'vitest';
import { parsePayload, parseTopic, topicFilter, topics } from '../../../core/index.ts';

const batch = {
  v: 1, site: 'hq', gateway: 'gw-1', seq: 7, sent: 1_700_000_000_000,
  readings: [{ meter: 'm1', ts: 1_700_000_000_000, values: { energy_import_kwh: 1234.5, power_kw: 3.2 } }],
};

describe('topic map', () => {
  it('builds and parses every topic type', () => {
    expect(topics.batch('hq', 'gw-1')).toBe('zm/v1/hq/gw-1/batch');
    expect(parseTopic('zm/v1/hq/gw-1/ack')).toEqual({ site: 'hq', gateway: 'gw-1', type: 'ack' });
    expect(parseTopic('zm/v1/hq/gw-1/manifest')?.type).toBe('manifest');
    expect(parseTopic('zm/v1/hq/gw-1/status')?.type).toBe('status');
  });

  it.each([
    'zm/v2/hq/gw-1/batch', 'zm/v1/hq/batch', 'zm/v1/hq/gw-1/batch/extra', 'zm/v1/hq/gw-1/other',
    'zm/v1/+/gw-1/batch', 'zm/v1/hq/#/batch', 'zm/v1//gw-1/batch',
  ])('rejects %s', (t) => {
    expect(parseTopic(t)).toBeNull();
  });

  it('builds the ingestor\'s subscription filters from the same root', () => {
    expect(topicFilter('batch')).toBe('zm/v1/+/+/batch');
    expect(topicFilter('manifest').split('/').slice(0, 2).join('/')).toBe(topics.manifest('hq', 'gw-1').split('/').slice(0, 2).join('/'));
  });

  it('refuses to build a topic from an id with a wildcard', () => {
    expect(() => topics.batch('hq', 'gw/+')).toThrow(/gateway id/);
  });
});

describe('payloads', () => {
  it('accepts a good batch', () => {
    const r = parsePayload('batch', JSON.stringify(batch));
    expect(r.ok).toBe(true);
  });

  it('says which field is wrong', () => {
    const bad = { ...batch, seq: 0, readings: [{ meter: 'm1', ts: 1.5, values: { bogus_key: 1 } }] };
    const r = parsePayload('batch', Buffer.from(JSON.stringify(bad)));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toContain('seq:');
    expect(r.error).toContain('readings[0].ts:');
    expect(r.error).toContain('readings[0].values.bogus_key: unknown measurement "bogus_key"');
  });

  it('rejects non-JSON and empty batches', () => {
    expect(parsePayload('batch', '{oops').ok).toBe(false);
    expect(parsePayload('batch', JSON.stringify({ ...batch, readings: [] })).ok).toBe(false);
  });

  it('rejects infinite values that slip past JSON (e.g. from a JS caller)', () => {
    const { BatchSchema } = batchSchema();
    const r = BatchSchema.safeParse({ ...batch, readings: [{ meter: 'm1', ts: 1, values: { power_kw: Infinity } }] });
    expect(r.success).toBe(false);
  });

  it('parses ack, manifest and status', () => {
    expect(parsePayload('ack', JSON.stringify({ v: 1, seq: 3, status: 'ok', stored: 10, quarantined: 0 })).ok).toBe(true);
    expect(parsePayload('ack', JSON.stringify({ v: 1, seq: 3, status: 'maybe', stored: 10, quarantined: 0 })).ok).toBe(false);
    const manifest = {
      v: 1, site: 'hq', gateway: 'gw-1', ts: 1,
      meters: [{ id: 'm1', building: 'a', kind: 'electricity', model: 'SDM630', zone: 'administrative', end_use: 'lighting_sockets' }],
    };
    const m = parsePayload('manifest', JSON.stringify(manifest));
    expect(m.ok && m.value.meters[0]!.multiplier).toBe(1);
    expect(parsePayload('manifest', JSON.stringify({ ...manifest, meters: [{ ...manifest.meters[0], zone: 'kitchen' }] })).ok).toBe(false);
    expect(parsePayload('status', JSON.stringify({ v: 1, site: 'hq', gateway: 'gw-1', ts: 1, state: 'offline' })).ok).toBe(true);
  });
});

import * as schemas from '../../../core/schemas.ts';
function batchSchema() { return schemas; }
