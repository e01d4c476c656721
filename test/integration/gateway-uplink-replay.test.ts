import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { openJournal } from '../../gateway/journal/index.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import type { MeterSimulator } from '../../simulators/meter/index.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';
import {
  gatewayConfig, gatewayStatus, influxQuery, killAllZm, liveStream, sdm630Simulator, startGatewayProcess, startIngestorProcess,
  type GatewayStatus,
} from '../support/processes.ts';

// Replay after an outage: the backlog goes oldest first while the meters keep being polled on
// their schedule. Gateway and ingestor are real processes, so neither's work slows the other's loop.
const BACKLOG = 60_000;
const influxUrl = inject('influxUrl');
const db = uniqueDb('gwreplay');
const tmp = tempDir('zm-gw-replay-');
let sim: MeterSimulator;

afterAll(async () => {
  await killAllZm();
  await sim?.close();
  tmp.remove();
});

const reads = (s: GatewayStatus) => s.meters.reduce((a, m) => a + m.reads, 0);

describe('gateway replay', () => {
  it('drains the backlog oldest first while polling keeps its rate', async () => {
    sim = await sdm630Simulator(2);
    const ports = { http: await freePort(), mqtt: await freePort() };
    const cfg = gatewayConfig('site-r', 'gw-replay', { uplink: `mqtt://127.0.0.1:${ports.mqtt}`, simPort: sim.tcp!.port, meters: 2, dir: tmp.dir });
    // An outage long enough to matter, written ahead: an hour of m1 readings, 60 ms apart.
    const j = await openJournal({ dir: (cfg.journal as { dir: string }).dir, maxBytes: 1 << 30, segmentBytes: 16 << 20, fsyncIntervalMs: 60_000 });
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < BACKLOG; i += 1000) {
      j.append(Array.from({ length: 1000 }, (_, k) => ({ meter: 'm1', ts: t0 + (i + k) * 60, values: { energy_import_kwh: 1 + (i + k) / 1000, power_kw: 5 } })));
    }
    await j.close();

    // The ingestor is still down: the gateway polls into its journal.
    const gw = await startGatewayProcess(path.join(tmp.dir, 'gw-replay.json'), cfg);
    await new Promise((r) => setTimeout(r, 1000));
    const a = await gatewayStatus(gw.health);
    await new Promise((r) => setTimeout(r, 2500));
    const b = await gatewayStatus(gw.health);
    const before = (reads(b) - reads(a)) / (b.clock.now - a.clock.now);
    expect(b.uplink.state).not.toBe('online');
    expect(b.journal.records).toBeGreaterThan(BACKLOG);

    const ing = await startIngestorProcess({
      dir: tmp.dir, influxUrl, database: db, ports, gateways: [['site-r', 'gw-replay', await hashPassword('pw-gw-replay')]],
    });
    const stream = liveStream(ing.url);
    try {
      // Sample polling while the backlog is being sent.
      const samples: GatewayStatus[] = [];
      for (;;) {
        const s = await gatewayStatus(gw.health);
        if (s.uplink.state === 'online') samples.push(s);
        if (s.journal.records < 200) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const first = samples[0]!;
      const last = samples.at(-1)!;
      const during = (reads(last) - reads(first)) / (last.clock.now - first.clock.now);
      const drainMs = last.clock.now - first.clock.now;
      const drainPerSec = (last.uplink.readingsAcked - first.uplink.readingsAcked) / (drainMs / 1000);
      console.log(`replay: ${BACKLOG} readings drained in ${drainMs} ms (${Math.round(drainPerSec)} readings/s); polling ${(before * 1000).toFixed(1)} reads/s before, ${(during * 1000).toFixed(1)} during (ratio ${(during / before).toFixed(2)})`);
      // Long enough to measure polling at all (several intervals of 100 ms).
      expect(drainMs).toBeGreaterThan(500);
      expect(during / before).toBeGreaterThan(0.7);

      // Oldest first: the stream forwards a reading only when it is newer than the meter's last,
      // so an out-of-order replay would show fewer m1 readings here than InfluxDB holds.
      await waitFor(() => (stream.readings.filter((r) => r.meter === 'm1').length >= BACKLOG ? true : undefined), { what: 'the backlog on the live stream' });
      const m1 = stream.readings.filter((r) => r.meter === 'm1').map((r) => r.ts);
      expect(m1[0]).toBe(t0);
      expect(m1.slice(0, BACKLOG)).toEqual(Array.from({ length: BACKLOG }, (_, i) => t0 + i * 60));
      const [count] = await influxQuery(influxUrl, db, `SELECT count(energy_import_kwh) FROM reading WHERE meter='m1' AND time < ${t0 + BACKLOG * 60}ms`);
      expect(Number(count!.rows[0]![1])).toBe(BACKLOG);
    } finally {
      stream.close();
    }
    await gw.proc.stop();
  });
});
