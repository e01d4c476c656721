import { readFileSync, readdirSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Reading } from '../../core/index.ts';
import { freePort } from '../../cli/ports.ts';
import { decodeReading } from '../../gateway/journal/codec.ts';
import { openJournal } from '../../gateway/journal/index.ts';
import { parseSegmentName } from '../../gateway/journal/segment.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import type { MeterSimulator } from '../../simulators/meter/index.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';
import {
  gatewayConfig, gatewayStatus, influxQuery, killAllZm, sdm630Simulator, startGatewayProcess, startIngestorProcess,
  type ProcessIngestor,
} from '../support/processes.ts';

// The journal's own faults, through the real `zonemeter gateway run` process: a record torn by a
// power cut, and a size bound reached while the ingestor is unreachable.
const SITE = 'jfaults';
const influxUrl = inject('influxUrl');
const db = uniqueDb('gwjournal');
const tmp = tempDir('zm-gw-journal-');
const sims: MeterSimulator[] = [];
let ing: ProcessIngestor;

beforeAll(async () => {
  ing = await startIngestorProcess({
    dir: tmp.dir, influxUrl, database: db, ports: { http: await freePort(), mqtt: await freePort() },
    gateways: [[SITE, 'g-torn', await hashPassword('pw-g-torn')]],
  });
});

afterAll(async () => {
  await killAllZm();
  await Promise.allSettled(sims.map((s) => s.close()));
  tmp.remove();
});

/** Frames of a segment file (len u32 | crc u32 | seq u64 | body), as the journal writes them. */
function frames(file: string): { off: number; len: number; seq: number; reading: Reading }[] {
  const buf = readFileSync(file);
  const out = [];
  for (let off = 0; off + 16 <= buf.length;) {
    const len = buf.readUInt32LE(off);
    if (off + 16 + len > buf.length) break;
    out.push({ off, len, seq: Number(buf.readBigUInt64LE(off + 8)), reading: decodeReading(buf, off + 16, off + 16 + len) });
    off += 16 + len;
  }
  return out;
}

describe('gateway journal faults with real processes', () => {
  it('a record cut in half is skipped at start, logged, and everything before it is delivered', async () => {
    const sim = await sdm630Simulator(2);
    sims.push(sim);
    const file = path.join(tmp.dir, 'g-torn.json');
    // Nothing listens on the uplink port: every reading stays in the journal.
    const offline = gatewayConfig(SITE, 'g-torn', { uplink: `mqtt://127.0.0.1:${await freePort()}`, simPort: sim.tcp!.port, meters: 2, dir: tmp.dir });
    let gw = await startGatewayProcess(file, offline);
    await waitFor(async () => ((await gatewayStatus(gw.health)).journal.last_seq > 30 ? true : undefined));
    await gw.proc.stop('SIGTERM');

    const dir = (offline.journal as { dir: string }).dir;
    const newest = readdirSync(dir).filter((n) => parseSegmentName(n) !== null).sort().at(-1)!;
    const all = frames(path.join(dir, newest));
    const torn = all.at(-1)!;
    const kept = all.at(-2)!;
    expect(kept.seq).toBe(torn.seq - 1);
    const keptTs = kept.reading.ts;
    truncateSync(path.join(dir, newest), torn.off + 16 + Math.floor(torn.len / 2));

    gw = await startGatewayProcess(file, { ...offline, uplink: { ...(offline.uplink as object), url: ing.mqttUrl } });
    const logged = await gw.proc.waitForLine((l) => l.msg === 'journal: torn record at end of segment skipped', 5000, 'the torn record log line');
    expect(logged).toMatchObject({ level: 40, segment: newest, offset: torn.off, reason: 'truncated record' });
    const st = await gatewayStatus(gw.health);
    expect(st.journal.torn_records_skipped).toBe(1);
    expect(st.journal.first_seq).toBe(1);

    // Every record before the torn one reaches InfluxDB; the torn one is gone.
    await waitFor(async () => ((await gatewayStatus(gw.health)).journal.acked_seq >= kept.seq ? true : undefined), { what: 'the kept records acked' });
    const series = await influxQuery(influxUrl, db, `SELECT count(energy_import_kwh) FROM reading WHERE gateway='g-torn' AND time <= ${keptTs}ms`);
    expect(Number(series[0]!.rows[0]![1])).toBe(kept.seq);
    await gw.proc.stop();
  });

  it('a full journal drops its oldest records with an alarm, keeps running and keeps accepting readings', async () => {
    const sim = await sdm630Simulator(6);
    sims.push(sim);
    const maxBytes = 1024 * 1024;
    const segmentBytes = 64 * 1024;
    const cfg = gatewayConfig(SITE, 'g-full', {
      uplink: `mqtt://127.0.0.1:${await freePort()}`, simPort: sim.tcp!.port, meters: 6, dir: tmp.dir,
      journal: { maxBytes, segmentBytes },
    });
    // Fill the journal past its bound less one segment first: the running gateway opens a segment
    // at its first append, and that crosses the bound (records are small, so the gateway would
    // otherwise need a minute of readings to fill one).
    const dir = (cfg.journal as { dir: string }).dir;
    const j = await openJournal({ dir, maxBytes, segmentBytes, fsyncIntervalMs: 60_000 });
    const values = { energy_import_kwh: 1, power_kw: 2, voltage_l1_v: 230, current_l1_a: 5, power_factor: 0.9 };
    for (let ts = Date.now() - 3_600_000; j.stats().bytes < maxBytes - segmentBytes + 4096; ts += 1000) {
      j.append(Array.from({ length: 50 }, (_, i) => ({ meter: 'm1', ts: ts + i * 10, values })));
    }
    const prefilled = j.stats();
    expect(prefilled.droppedRecords).toBe(0);
    await j.close();

    const gw = await startGatewayProcess(path.join(tmp.dir, 'g-full.json'), cfg);
    const full = await waitFor(async () => {
      const s = await gatewayStatus(gw.health);
      return s.journal.alarms.includes('journal_full_dropped_oldest') ? s : undefined;
    }, { timeoutMs: 25_000, what: 'the journal-full alarm' });
    expect(full.journal.dropped_records).toBeGreaterThan(0);
    expect(full.journal.first_seq).toBeGreaterThan(1);
    expect(full.journal.bytes).toBeLessThanOrEqual(maxBytes);
    await gw.proc.waitForLine((l) => l.msg === 'journal full: dropped oldest segment with unacked records', 2000, 'the drop logged');

    const metrics = await (await fetch(`${gw.health}/metrics`)).text();
    expect(metrics).toContain('zm_journal_alarm{alarm="journal_full_dropped_oldest"} 1');
    expect(Number(/^zm_journal_dropped_records_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    const healthz = await fetch(`${gw.health}/healthz`);
    expect(healthz.status).toBe(200);
    expect(await healthz.json()).toMatchObject({ status: 'degraded', alarms: ['journal_full_dropped_oldest'] });

    // Still alive and still journaling what the meters say.
    await waitFor(async () => ((await gatewayStatus(gw.health)).journal.last_seq > full.journal.last_seq + 20 ? true : undefined), { what: 'new readings after the drop' });
    expect(gw.proc.alive()).toBe(true);
    await gw.proc.stop();
  });
});
