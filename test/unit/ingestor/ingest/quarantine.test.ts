import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Quarantine } from '../../../../ingestor/ingest/quarantine.ts';
import { tempDir } from '../../../support/harness.ts';

const log = pino({ level: 'silent' });

describe('quarantine bounds (on a real folder)', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
  const folder = () => {
    const d = tempDir('zm-q-');
    dirs.push(d);
    return d.dir;
  };
  const entry = (gateway: string, i: number) => ({ site: 's', gateway, seq: i, reason: 'invalid_reading' as const, detail: `bad ${i}`, payload: { meter: 'm', n: i, pad: 'p'.repeat(200) } });

  it('keeps at most maxEntries and maxBytes on disk, rotating once, and counts everything across a reopen', async () => {
    const dir = folder();
    let minute = 0;
    const limits = { maxEntries: 100, maxBytes: 16 * 1024, perGatewayPerMinute: 1_000_000 };
    const q = await Quarantine.open(dir, log, limits, () => minute * 60_000);
    for (let i = 1; i <= 1000; i++) q.add(entry('g1', i));
    const u = q.usage();
    expect(u.entries).toBeLessThanOrEqual(100);
    expect(u.bytes).toBeLessThanOrEqual(16 * 1024);
    const onDisk = statSync(path.join(dir, 'quarantine.jsonl')).size + statSync(path.join(dir, 'quarantine.1.jsonl')).size;
    expect(onDisk).toBe(u.bytes);
    expect(q.counts.get('invalid_reading')).toBe(1000);
    expect(q.list({ limit: 1 })[0]!.id).toBe(1000);

    minute++;
    const again = await Quarantine.open(dir, log, limits, () => minute * 60_000);
    expect(again.counts.get('invalid_reading')).toBe(1000);
    expect(again.usage()).toMatchObject({ entries: u.entries, bytes: u.bytes });
    expect(again.add(entry('g1', 1001))!.id).toBe(1001);
  });

  it('samples a payload over maxPayloadBytes with its size and SHA-256', async () => {
    const q = await Quarantine.open(folder(), log, { maxPayloadBytes: 1024 });
    const raw = Buffer.from(JSON.stringify({ v: 1, huge: 'x'.repeat(100_000) }));
    const e = q.add({ site: 's', gateway: 'g', seq: 1, reason: 'invalid_payload', detail: 'd', payload: null, rawBytes: raw })!;
    expect(e.payload).toMatchObject({ truncated: true, bytes: raw.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((e.payload as { sample: string }).sample.length).toBe(512);
    const small = q.add({ site: 's', gateway: 'g', seq: 2, reason: 'invalid_payload', detail: 'd', payload: null, rawBytes: Buffer.from('{"v":2}') })!;
    expect(small.payload).toBe('{"v":2}');
  });

  it('stores at most perGatewayPerMinute entries of one gateway, counts the rest, and leaves other gateways their share', async () => {
    let now = 0;
    const dir = folder();
    const q = await Quarantine.open(dir, log, { perGatewayPerMinute: 10 }, () => now);
    for (let i = 0; i < 500; i++) q.add(entry('flooder', i));
    expect(q.add(entry('honest', 1))).not.toBeNull();
    expect(q.usage()).toMatchObject({ entries: 11, suppressed: 490 });
    expect(q.counts.get('invalid_reading')).toBe(501);
    now += 60_000;
    expect(q.add(entry('flooder', 501))).not.toBeNull();
    expect(existsSync(path.join(dir, 'quarantine.1.jsonl'))).toBe(false);
  });
});
