import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../../core/index.ts';
import type { KnownMeter } from '../../../../ingestor/ingest/directory.ts';
import { StreamOrder } from '../../../../ingestor/ingest/order.ts';
import { parseBatch, validateBatch, type Accepted } from '../../../../ingestor/ingest/validate.ts';

const T = Date.UTC(2026, 10, 30, 8, 0);
const meter = { gateway: 'gw-1' } as KnownMeter;

/** A stream batch as the gateway sends it: consecutive journal records ending at `seq`. */
function batch(seq: number, readings: Reading[], stream: string | null = 'j1'): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, site: 's', gateway: 'gw-1', seq, sent: T, ...(stream ? { stream } : {}), readings }));
}
const r = (m: string, ts: number, kwh = 1): Reading => ({ meter: m, ts, values: { energy_import_kwh: kwh } });

function judge(order: StreamOrder, payload: Buffer) {
  const p = parseBatch(payload);
  if (!p.ok || 'probe' in p) throw new Error('not a batch');
  const accepted: Accepted[] = p.batch.readings.map((reading) => ({ reading, meter }));
  if (!p.batch.stream || !p.seqs) return { kept: accepted.map((a) => a.reading.ts), refused: [] as string[] };
  const seqs = p.seqs;
  const out = order.check('s', 'gw-1', p.batch.stream, accepted, (x) => seqs.get(x));
  return { kept: out.kept.map((a) => a.reading.ts), refused: out.refused.map((x) => `${(x.reading as Reading).ts}:${x.reason}`) };
}

describe('reading order within a gateway stream', () => {
  it('refuses a reading stamped before the meter\'s previous one in the journal, within a batch and across batches', () => {
    const order = new StreamOrder();
    expect(judge(order, batch(3, [r('m1', T), r('m2', T), r('m1', T - 5000)]))).toEqual({ kept: [T, T], refused: [`${T - 5000}:out_of_order`] });
    expect(judge(order, batch(5, [r('m1', T - 1000), r('m1', T + 1000)]))).toEqual({ kept: [T + 1000], refused: [`${T - 1000}:out_of_order`] });
    // Another meter's order is its own.
    expect(judge(order, batch(6, [r('m2', T + 1)])).refused).toEqual([]);
  });

  it('takes a batch sent again (go-back-N after a lost ack) as it was judged the first time, even cut differently', () => {
    const order = new StreamOrder();
    const first = [r('m1', T), r('m1', T - 60_000), r('m1', T + 60_000)];
    expect(judge(order, batch(12, first)).refused).toHaveLength(1);
    // The resend starts two records earlier and carries one more: seqs 8..13.
    const resent = [r('m1', T - 180_000), r('m1', T - 120_000), ...first, r('m1', T + 120_000)];
    const again = judge(order, batch(13, resent));
    expect(again.refused).toEqual([`${T - 60_000}:out_of_order`]);
    expect(again.kept).toEqual([T - 180_000, T - 120_000, T, T + 60_000, T + 120_000]);
  });

  it('leaves late history alone: a batch without a stream is never order-checked, and a new stream starts afresh', () => {
    const order = new StreamOrder();
    judge(order, batch(1, [r('m1', T)]));
    expect(judge(order, batch(2, [r('m1', T - 86_400_000)], null)).refused).toEqual([]);
    expect(judge(order, batch(1, [r('m1', T - 3_600_000)], 'j2')).refused).toEqual([]);
  });

  it('counts each reading\'s seq back from the batch\'s, skipping none for a malformed one', () => {
    const p = parseBatch(Buffer.from(JSON.stringify({ v: 1, site: 's', gateway: 'gw-1', seq: 10, sent: T, stream: 'j1', readings: [r('m1', T), { meter: 'm1' }, r('m1', T + 1)] })));
    if (!p.ok || 'probe' in p) throw new Error('not a batch');
    expect(p.rejected).toHaveLength(1);
    expect(p.batch.readings.map((x) => p.seqs!.get(x))).toEqual([8, 10]);
  });
});

describe('batch parsing for the clock', () => {
  it('takes a batch without readings for a time probe', () => {
    const p = parseBatch(Buffer.from(JSON.stringify({ v: 1, site: 's', gateway: 'gw-1', seq: 9_007_199_253_740_992, sent: 0, readings: [] })));
    expect(p).toMatchObject({ ok: true, probe: { seq: 9_007_199_253_740_992 } });
  });

  it('quarantines a reading flagged clock_unknown, with why, and stores nothing of it', () => {
    const p = parseBatch(batch(1, [{ ...r('m1', Date.UTC(2020, 0, 1)), quality: { energy_import_kwh: 'clock_unknown' } }, r('m1', T)]));
    if (!p.ok || 'probe' in p) throw new Error('not a batch');
    const { accepted, rejected } = validateBatch(p.batch, () => meter, { now: T, maxFutureMs: 60_000, maxAgeMs: 10 * 365 * 86_400_000 });
    expect(accepted.map((a) => a.reading.ts)).toEqual([T]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ reason: 'clock_unknown' });
    expect(rejected[0]!.detail).toMatch(/never re-stamped/);
  });
});
