import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import type { MeterSimulator } from '../../simulators/meter/index.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';
import {
  gatewayConfig as config, gatewayStatus, influxQuery, killAllZm, liveStream, sdm630Simulator, startGatewayProcess, startIngestorProcess, type ProcessIngestor,
} from '../support/processes.ts';

// Real processes killed for real: `zonemeter gateway run` and `zonemeter ingestor run` children,
// a Modbus TCP simulator in this process, the run's influxd. Reliability rules, DESIGN.md.
const SITE = 'faults';
// Both gateways name their meters m1, m2…; a meter id belongs to one gateway per site, so each
// gateway has a site of its own.
const siteOf = (gateway: string) => `${SITE}-${gateway}`;
const influxUrl = inject('influxUrl');
const db = uniqueDb('gwfaults');
const tmp = tempDir('zm-gw-faults-');
const sims: MeterSimulator[] = [];
let ing: ProcessIngestor;

async function simulator(meters: number): Promise<MeterSimulator> {
  const sim = await sdm630Simulator(meters);
  sims.push(sim);
  return sim;
}

/** Stops the meters answering, then waits until the gateway's journal has nothing unacked. */
async function drain(health: string, sim: MeterSimulator): Promise<number> {
  await sim.close();
  const s = await waitFor(async () => {
    const st = await gatewayStatus(health);
    return st.journal.records === 0 && st.journal.acked_seq === st.journal.last_seq ? st : undefined;
  }, { timeoutMs: 20_000, what: 'the journal to drain' });
  return s.journal.last_seq;
}

async function countPerMeter(gateway: string, where = ''): Promise<Map<string, number>> {
  const series = await influxQuery(influxUrl, db, `SELECT count(energy_import_kwh) FROM reading WHERE gateway='${gateway}'${where} GROUP BY meter`);
  return new Map(series.map((s) => [s.tags.meter!, Number(s.rows[0]![1])]));
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

beforeAll(async () => {
  const ids = ['g-kill', 'g-ingestor'];
  ing = await startIngestorProcess({
    dir: tmp.dir, influxUrl, database: db, ports: { http: await freePort(), mqtt: await freePort() },
    gateways: await Promise.all(ids.map(async (id): Promise<[string, string, string]> => [siteOf(id), id, await hashPassword(`pw-${id}`)])),
  });
});

afterAll(async () => {
  await killAllZm();
  await Promise.allSettled(sims.map((s) => s.close()));
  tmp.remove();
});

describe('gateway faults with real processes', () => {
  it('kill -9 of the gateway mid-stream loses and doubles nothing the journal accepted', async () => {
    const sim = await simulator(3);
    const cfg = config(siteOf('g-kill'), 'g-kill', { uplink: ing.mqttUrl, simPort: sim.tcp!.port, meters: 3, dir: tmp.dir });
    const file = path.join(tmp.dir, 'g-kill.json');
    let gw = await startGatewayProcess(file, cfg);
    const before = await waitFor(async () => {
      const s = await gatewayStatus(gw.health);
      return s.uplink.readingsAcked > 60 ? s : undefined;
    }, { what: 'readings acked before the kill' });
    await gw.proc.stop('SIGKILL');
    expect(gw.proc.alive()).toBe(false);

    gw = await startGatewayProcess(file);
    const after = await gatewayStatus(gw.health);
    // Records accepted before the kill are still there: seqs continue, never restart below them.
    expect(after.journal.last_seq).toBeGreaterThanOrEqual(before.journal.last_seq);
    await waitFor(async () => ((await gatewayStatus(gw.health)).journal.last_seq > after.journal.last_seq + 30 ? true : undefined));
    const lastSeq = await drain(gw.health, sim);

    // One InfluxDB point per journal record: a lost record makes the count short; the same reading
    // journaled twice would collapse onto one (series, time) key and make it short as well.
    const counts = await countPerMeter('g-kill');
    expect([...counts.keys()].sort()).toEqual(['m1', 'm2', 'm3']);
    expect(sum(counts)).toBe(lastSeq);
    for (const m of counts.keys()) {
      const [series] = await influxQuery(influxUrl, db, `SELECT energy_import_kwh FROM reading WHERE gateway='g-kill' AND meter='${m}'`);
      const ts = series!.rows.map((r) => Number(r[0]));
      expect(new Set(ts).size).toBe(counts.get(m));
    }
    await gw.proc.stop();
  });

  it('an ingestor killed for a while gets the whole backlog afterwards, in order per meter', async () => {
    const sim = await simulator(2);
    const cfg = config(siteOf('g-ingestor'), 'g-ingestor', { uplink: ing.mqttUrl, simPort: sim.tcp!.port, meters: 2, dir: tmp.dir });
    const gw = await startGatewayProcess(path.join(tmp.dir, 'g-ingestor.json'), cfg);
    await waitFor(async () => ((await gatewayStatus(gw.health)).uplink.readingsAcked > 20 ? true : undefined));

    await ing.proc.stop('SIGKILL');
    const down = await waitFor(async () => {
      const s = await gatewayStatus(gw.health);
      return s.uplink.state !== 'online' ? s : undefined;
    }, { what: 'the gateway to notice' });
    await new Promise((r) => setTimeout(r, 4000));
    const outage = await gatewayStatus(gw.health);
    // Polling went on into the journal while nothing could be delivered.
    expect(outage.journal.last_seq - down.journal.last_seq).toBeGreaterThan(40);
    expect(outage.journal.records).toBeGreaterThan(40);

    ing = await ing.restart();
    const restartedAt = Date.now();
    const stream = liveStream(ing.url);
    try {
      const lastSeq = await drain(gw.health, sim);
      expect(sum(await countPerMeter('g-ingestor'))).toBe(lastSeq);
      // The live hub forwards a reading only when it is newer than the meter's last one, so a
      // backlog delivered out of order would leave holes in what the stream saw.
      for (const meter of ['m1', 'm2']) {
        const seen = stream.readings.filter((r) => r.meter === meter && r.site === siteOf('g-ingestor')).map((r) => r.ts);
        expect(seen.length).toBeGreaterThan(10);
        expect(Math.min(...seen)).toBeLessThan(restartedAt - 2000);
        const [series] = await influxQuery(influxUrl, db, `SELECT energy_import_kwh FROM reading WHERE gateway='g-ingestor' AND meter='${meter}' AND time >= ${Math.min(...seen)}ms`);
        expect(seen).toEqual(series!.rows.map((r) => Number(r[0])));
      }
    } finally {
      stream.close();
    }
    await gw.proc.stop();
  }, 90_000); // a gateway and an ingestor started, killed and started again: slow on a busy machine
});
