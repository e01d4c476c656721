import { describe, expect, it } from 'vitest';
import { parsePayload } from '../../../../core/index.ts';
import { parseAck, parseLimits } from '../../../../gateway/uplink/wire-parse.ts';

// The gateway's hand checks must take and refuse what the shared schemas do.
const ACKS: unknown[] = [
  { v: 1, seq: 5, status: 'ok', stored: 3, quarantined: 0 },
  { v: 1, seq: 5, status: 'quarantined', stored: 0, quarantined: 3, reason: 'foreign_meter', time: 1_790_000_000_000 },
  { v: 1, seq: 5, status: 'ok', stored: 3, quarantined: 0, extra: true },
  { v: 2, seq: 5, status: 'ok', stored: 3, quarantined: 0 },
  { v: 1, seq: 0, status: 'ok', stored: 3, quarantined: 0 },
  { v: 1, seq: 1.5, status: 'ok', stored: 3, quarantined: 0 },
  { v: 1, seq: 5, status: 'done', stored: 3, quarantined: 0 },
  { v: 1, seq: 5, status: 'ok', stored: -1, quarantined: 0 },
  { v: 1, seq: 5, status: 'ok', stored: 3 },
  { v: 1, seq: 5, status: 'ok', stored: 3, quarantined: 0, reason: 7 },
  { v: 1, seq: 5, status: 'ok', stored: 3, quarantined: 0, time: -1 },
  { v: 1, seq: 5, status: 'ok', stored: 3, quarantined: 0, time: 9e15 },
  { v: 1, seq: '5', status: 'ok', stored: 3, quarantined: 0 },
  [], null, 'ack',
];
const LIMITS: unknown[] = [
  { v: 1, max_packet_bytes: 1024, max_batch_readings: 1 },
  { v: 1, max_packet_bytes: 16_777_216, max_batch_readings: 10_000, extra: 1 },
  { v: 1, max_packet_bytes: 1023, max_batch_readings: 100 },
  { v: 1, max_packet_bytes: 4096, max_batch_readings: 0 },
  { v: 1, max_packet_bytes: 4096, max_batch_readings: 10_001 },
  { v: 1, max_packet_bytes: 4096 },
  { v: 0, max_packet_bytes: 4096, max_batch_readings: 100 },
  {},
];

describe('gateway wire checks', () => {
  it.each(ACKS.map((a) => [JSON.stringify(a), a]))('ack %s: as AckSchema', (_name, a) => {
    const text = JSON.stringify(a);
    const schema = parsePayload('ack', text);
    const mine = parseAck(text);
    expect(mine.ok).toBe(schema.ok);
    if (mine.ok && schema.ok) expect(mine.value).toEqual(schema.value);
  });

  it.each(LIMITS.map((l) => [JSON.stringify(l), l]))('limits %s: as LimitsSchema', (_name, l) => {
    const text = JSON.stringify(l);
    const schema = parsePayload('limits', text);
    const mine = parseLimits(text);
    expect(mine.ok).toBe(schema.ok);
    if (mine.ok && schema.ok) expect(mine.value).toEqual(schema.value);
  });

  it('names the field of a refused ack, and a payload that is not JSON', () => {
    expect(parseAck('{"v":1,"seq":0,"status":"ok","stored":1,"quarantined":0}')).toEqual({ ok: false, error: 'seq: expected an integer ≥ 1' });
    expect(parseAck('{').ok).toBe(false);
  });
});
