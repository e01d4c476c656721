import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { parseConfig, topics, type Ack } from '../../core/index.ts';
import { build, type Ingestor } from '../../ingestor/app.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import { IngestorConfigSchema } from '../../ingestor/config.ts';
import type { QuarantineEntry } from '../../ingestor/ingest/quarantine.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';
import { connectGateway, reading, type GatewayClient } from '../support/mqtt-gateway.ts';

const DAY = 86_400_000;

// Each case goes through a real MQTT connection into a real ingestor and InfluxDB: one good
// reading and one bad one per batch, so the test shows the good one stored beside the refusal.
describe('validation and quarantine', () => {
  const data = tempDir('zm-quarantine-');
  const database = uniqueDb('quar');
  let ingestor: Ingestor;
  let url: string;
  let gw: GatewayClient;
  let password: string;
  let passwordHash: string;
  let seq = 0;
  const now = Date.now();

  async function start(): Promise<void> {
    const config = parseConfig(IngestorConfigSchema, {
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      influx: { url: inject('influxUrl'), database, flushMs: 10 },
      ingest: { maxFutureMs: 10 * 60_000, maxAgeDays: 30 },
      dataDir: data.dir,
      gateways: [{ id: 'gw-1', site: 'site-a', passwordHash }],
    }, 'quarantine test');
    ingestor = await build(config, { log: pino({ level: 'silent' }) });
    url = await ingestor.listen();
    gw = await connectGateway({ url: `mqtt://127.0.0.1:${ingestor.broker!.port}`, site: 'site-a', gateway: 'gw-1', password });
  }

  beforeAll(async () => {
    password = 'quarantine-pw';
    passwordHash = await hashPassword(password);
    await start();
    await gw.publishManifest(['m1', 'm2']);
    await waitFor(() => ingestor.directory.meter('site-a', 'm2'), { what: 'manifest' });
  });

  afterAll(async () => {
    await gw?.close();
    await ingestor?.close();
    data.remove();
  });

  const storedAt = async (meter: string, ts: number): Promise<number> => {
    const [series] = await ingestor.influx.query(`SELECT count(energy_import_kwh) FROM reading WHERE meter = '${meter}' AND time = ${ts}ms`);
    return (series?.[0]?.values[0]?.[1] as number | undefined) ?? 0;
  };
  const listed = async (query = ''): Promise<{ entries: QuarantineEntry[]; counts: Record<string, number> }> =>
    (await fetch(`${url}/api/v1/quarantine${query}`)).json() as never;
  const metric = async (reason: string): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = new RegExp(`^zm_quarantine_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };

  /** Publishes `bad` beside a good reading of m1 (raw JSON text, so it can hold what JSON.stringify cannot). */
  async function sendWithGood(bad: string): Promise<{ ack: Ack; seq: number; goodTs: number }> {
    const s = ++seq;
    const goodTs = now - s * 60_000;
    const payload = `{"v":1,"site":"site-a","gateway":"gw-1","seq":${s},"sent":${now},"readings":[${JSON.stringify(reading('m1', goodTs, s))},${bad}]}`;
    await gw.publishRaw(topics.batch('site-a', 'gw-1'), payload);
    const ack = await waitFor(() => gw.acked.get(s), { what: `ack ${s}` });
    return { ack, seq: s, goodTs };
  }

  const cases: [string, () => string][] = [
    ['unknown_meter', () => JSON.stringify(reading('ghost', now - 1000, 1))],
    ['future_timestamp', () => JSON.stringify(reading('m2', now + 2 * 3_600_000, 1))],
    ['too_old', () => JSON.stringify(reading('m2', now - 40 * DAY, 1))],
    ['non_finite_value', () => `{"meter":"m2","ts":${now - 2000},"values":{"energy_import_kwh":1e999}}`],
    ['unknown_measurement', () => `{"meter":"m2","ts":${now - 3000},"values":{"energy_import_kwh":5,"bogus_units":3}}`],
    ['value_out_of_range', () => JSON.stringify(reading('m2', now - 4000, 1, { voltage_l1_v: -5 }))],
  ];

  for (const [reason, bad] of cases) {
    it(`quarantines ${reason}, stores the good reading beside it and acks with the reason`, async () => {
      const before = await metric(reason);
      const { ack, seq: s, goodTs } = await sendWithGood(bad());
      expect(ack).toMatchObject({ seq: s, status: 'quarantined', stored: 1, quarantined: 1, reason });
      expect(await storedAt('m1', goodTs)).toBe(1);
      const { entries } = await listed(`?reason=${reason}`);
      expect(entries[0]).toMatchObject({ seq: s, reason, site: 'site-a', gateway: 'gw-1' });
      expect(entries[0]!.detail.length).toBeGreaterThan(0);
      expect(await metric(reason)).toBe(before + 1);
    });
  }

  it('quarantines a whole batch that does not parse, and acks it when it has a seq', async () => {
    const s = ++seq;
    await gw.publishRaw(topics.batch('site-a', 'gw-1'), JSON.stringify({ v: 1, site: 'site-a', gateway: 'gw-1', seq: s, sent: now, readings: 'none' }));
    const ack = await waitFor(() => gw.acked.get(s), { what: 'ack of the invalid batch' });
    expect(ack).toMatchObject({ status: 'quarantined', stored: 0 });
    expect(ack.reason).toMatch(/^invalid_payload: readings/);
    expect((await listed('?reason=invalid_payload')).entries[0]).toMatchObject({ seq: s });
  });

  it('quarantines a batch that names another gateway than its topic', async () => {
    const s = ++seq;
    await gw.publishRaw(topics.batch('site-a', 'gw-1'), JSON.stringify({ v: 1, site: 'site-a', gateway: 'gw-9', seq: s, sent: now, readings: [reading('m1', now - 5000, 1)] }));
    expect(await waitFor(() => gw.acked.get(s))).toMatchObject({ status: 'quarantined', stored: 0, quarantined: 1, reason: 'foreign_gateway' });
    expect(await storedAt('m1', now - 5000)).toBe(0);
  });

  it('answers 400 {code, message} to a bad query string', async () => {
    for (const q of ['?limit=0', '?limit=abc', '?reason=nope', '?site=a/b']) {
      const res = await fetch(`${url}/api/v1/quarantine${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'ERR_BAD_REQUEST', message: expect.any(String) });
    }
    expect((await listed('?limit=2')).entries).toHaveLength(2);
  });

  it('keeps the quarantine across a restart on the same data dir', async () => {
    const before = await listed();
    expect(before.entries.length).toBe(cases.length + 2);
    await gw.close();
    await ingestor.close();
    await start();
    const after = await listed();
    expect(after.entries).toEqual(before.entries);
    expect(after.counts).toEqual(before.counts);
    expect(await metric('unknown_meter')).toBe(before.counts.unknown_meter);
    // New entries carry on after the old ones.
    const { ack } = await sendWithGood(JSON.stringify(reading('ghost', now - 6000, 1)));
    expect(ack.reason).toBe('unknown_meter');
    const newest = (await listed('?limit=1')).entries[0]!;
    expect(newest.id).toBe(Math.max(...before.entries.map((e) => e.id)) + 1);
  });
});
