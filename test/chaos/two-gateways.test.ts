import { readFileSync } from 'node:fs';
import net from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type ManagedInfluxd } from '../../cli/influxd.ts';
import { freePort } from '../../cli/ports.ts';
import { topics } from '../../core/index.ts';
import { hashPassword } from '../../ingestor/broker/password.ts';
import type { MeterSimulator } from '../../simulators/meter/index.ts';
import { tempDir, waitFor } from '../support/harness.ts';
import { connectGateway, meterSpec, type GatewayClient } from '../support/mqtt-gateway.ts';
import {
  gatewayConfig, gatewayStatus, influxQuery, killAllZm, sdm630Simulator, startGatewayProcess, startIngestorProcess,
  type ProcessGateway, type ProcessIngestor,
} from '../support/processes.ts';

const SITE = 'chaos';
const DB = 'chaos';
const METERS = ['m1', 'm2', 'm3'];
/** What the ingestor's RSS must stay under through the whole run, floods and restarts included. */
const RSS_BOUND_MB = 300;

function rssMb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0; // between a kill and the restart
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Everything at once, with real processes: an honest gateway polling three simulated meters,
 * a hostile gateway with valid credentials, one ingestor and its own influxd. influxd is killed
 * and restarted, the ingestor is killed -9 and restarted, and all the while the hostile gateway
 * claims the honest gateway's meter, sends it impossible readings, tries to take over its MQTT
 * session, floods the quarantine with megabyte batches and sends packets over the broker's
 * limit. At the end the honest gateway's every journalled reading is in InfluxDB exactly once,
 * its usage equals the simulator's truth, and the ingestor's memory stayed bounded.
 */
describe('chaos: one honest and one hostile gateway through kills and floods', () => {
  const tmp = tempDir('zm-chaos-');
  let influxd: ManagedInfluxd;
  let ing: ProcessIngestor;
  let honest: ProcessGateway;
  let sim: MeterSimulator;
  let rogue: GatewayClient;
  let peakRss = 0;
  let sampler: NodeJS.Timeout;
  const rogueStats = { floods: 0, impostorBatches: 0, takeovers: 0, takeoverAccepted: 0, oversize: 0 };
  let stopRogue = false;
  let rogueLoop: Promise<void> = Promise.resolve();
  let from = 0;

  beforeAll(async () => {
    influxd = await startInfluxd({ dir: `${tmp.dir}/influxd` });
    ing = await startIngestorProcess({
      dir: tmp.dir, influxUrl: influxd.url, database: DB, ports: { http: await freePort(), mqtt: await freePort() },
      gateways: [[SITE, 'gw-honest', await hashPassword('pw-gw-honest')], [SITE, 'gw-rogue', await hashPassword('pw-gw-rogue')]],
    });
    sampler = setInterval(() => { peakRss = Math.max(peakRss, rssMb(ing.proc.pid)); }, 250);
    sim = await sdm630Simulator(METERS.length);
    from = Date.now() - 60_000;
    honest = await startGatewayProcess(`${tmp.dir}/gw-honest.json`, gatewayConfig(SITE, 'gw-honest', {
      uplink: ing.mqttUrl, simPort: sim.tcp!.port, meters: METERS.length, dir: tmp.dir,
    }));
    await waitFor(() => ing.proc.lines.find((l) => l.msg === 'manifest' && l.gateway === 'gw-honest'), { what: 'the honest manifest' });
  }, 60_000);

  afterAll(async () => {
    stopRogue = true;
    await rogueLoop.catch(() => undefined);
    clearInterval(sampler);
    await rogue?.close().catch(() => undefined);
    await killAllZm();
    await sim?.close();
    await influxd?.stop();
    tmp.remove();
  });

  /** One round of everything the hostile gateway tries; each step on its own, never awaited on the broker's PUBACK. */
  async function hostileRound(round: number): Promise<void> {
    if (rogue.client.connected) {
      // Claim the honest gateway's meter, and send it an impossible counter.
      void rogue.publishManifest([meterSpec('m1', 'hall'), meterSpec('rogue-1', 'hall')]).catch(() => undefined);
      void rogue.publishBatch(10_000 + round, [{ meter: 'm1', ts: Date.now() - 500, values: { energy_import_kwh: 99_999_999 } }]).catch(() => undefined);
      rogueStats.impostorBatches++;
      // A megabyte batch naming another site: quarantined as a sample, never whole.
      const readings = Array.from({ length: 2500 }, (_, i) => ({ meter: 'm1', ts: Date.now() - i, values: { energy_import_kwh: 99_999_999, power_kw: 1e6, voltage_l1_v: 400, current_l1_a: 999, power_factor: 1 } }));
      void rogue.publishRaw(topics.batch(SITE, 'gw-rogue'), JSON.stringify({ v: 1, site: 'elsewhere', gateway: 'gw-rogue', seq: 20_000 + round, sent: Date.now(), readings })).catch(() => undefined);
      rogueStats.floods++;
    }
    // Take over the honest gateway's session with the hostile gateway's credentials.
    const port = Number(new URL(ing.mqttUrl).port);
    const thief = mqtt.connect(ing.mqttUrl, { clientId: 'gw-honest', username: 'gw-rogue', password: 'pw-gw-rogue', reconnectPeriod: 0, connectTimeout: 2000 });
    await new Promise<void>((resolve) => {
      thief.once('connect', () => { rogueStats.takeoverAccepted++; resolve(); });
      thief.once('error', () => resolve());
      thief.once('close', () => resolve());
    });
    thief.end(true);
    rogueStats.takeovers++;
    // A packet header announcing more than the broker takes (4 MiB): the connection is cut at the header.
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        const len = 5 * 1024 * 1024;
        const header = [0x30];
        for (let x = len; ; ) {
          let byte = x % 128;
          x = Math.floor(x / 128);
          if (x > 0) byte |= 0x80;
          header.push(byte);
          if (x === 0) break;
        }
        s.write(Buffer.concat([Buffer.from(header), Buffer.alloc(64 * 1024)]));
        rogueStats.oversize++;
      });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      setTimeout(() => { s.destroy(); resolve(); }, 2000);
    });
  }

  it('keeps every honest reading exactly once, its usage equal to the truth, and the ingestor bounded', async () => {
    rogue = await connectGateway({ url: ing.mqttUrl, site: SITE, gateway: 'gw-rogue', password: 'pw-gw-rogue' });
    rogueLoop = (async () => {
      for (let round = 0; !stopRogue; round++) {
        await hostileRound(round).catch(() => undefined);
        await sleep(300);
      }
    })();
    await sleep(4000);

    // influxd killed -9 mid-stream, back after 4 s.
    const influxPort = Number(new URL(influxd.url).port);
    process.kill(influxd.pid, 'SIGKILL');
    await influxd.stop();
    await sleep(4000);
    influxd = await startInfluxd({ dir: `${tmp.dir}/influxd`, port: influxPort });
    await sleep(3000);

    // The ingestor killed -9, back after 2 s on the same ports and data.
    await ing.proc.stop('SIGKILL');
    await sleep(2000);
    ing = await ing.restart();
    await sleep(5000);

    // The end: stop the hostile gateway and the meters' clocks, let the last readings travel.
    stopRogue = true;
    await rogueLoop;
    sim.freeze();
    await sleep(1500);
    const truth = Object.fromEntries(METERS.map((m, i) => [m, sim.meter(i + 1).get().energy_import_kwh!]));
    await sim.close();
    const final = await waitFor(async () => {
      const s = await gatewayStatus(honest.health);
      return s.journal.acked_seq === s.journal.last_seq && s.journal.records === 0 ? s : undefined;
      // Generous: the suite runs other heavy files beside this one, and the gateway's reconnect
      // backoff after the ingestor's kill stretches with the load.
    }, { what: 'the honest journal fully acked', timeoutMs: 120_000 });
    clearInterval(sampler);

    // Exactly once: one point per journalled reading, all tagged with the honest gateway.
    const counts = await influxQuery(influxd.url, DB, `SELECT count(energy_import_kwh) FROM reading WHERE meter =~ /^m[123]$/ GROUP BY meter, gateway`);
    const total = counts.reduce((a, s) => a + Number(s.rows[0]![1]), 0);
    console.log(`chaos: honest journal last_seq ${final.journal.last_seq} (dropped ${final.journal.dropped_records}), stored ${total}; `
      + `hostile: ${rogueStats.floods} floods, ${rogueStats.impostorBatches} impostor batches, ${rogueStats.takeovers} takeover attempts (${rogueStats.takeoverAccepted} accepted), `
      + `${rogueStats.oversize} oversize packets; ingestor peak RSS ${peakRss.toFixed(0)} MB; honest uplink reconnects ${final.uplink.reconnects}`);
    expect(final.journal.dropped_records).toBe(0);
    expect(counts.every((s) => s.tags.gateway === 'gw-honest')).toBe(true);
    expect(total).toBe(final.journal.last_seq);
    const [max] = await influxQuery(influxd.url, DB, `SELECT max(energy_import_kwh) FROM reading WHERE meter = 'm1'`);
    expect(Number(max!.rows[0]![1])).toBeLessThan(1_000_000);

    // The hostile gateway got nowhere: its claim refused, its sessions never the honest one's.
    expect(rogueStats.takeoverAccepted).toBe(0);
    const metrics = await (await fetch(`${ing.url}/metrics`)).text();
    expect(metrics).toMatch(/^zm_meter_claims_refused_total [1-9]/m);
    const meters = (await (await fetch(`${ing.url}/api/v1/meters?site=${SITE}`)).json()) as { meters: { id: string; gateway: string }[] };
    expect(meters.meters.find((m) => m.id === 'm1')).toMatchObject({ gateway: 'gw-honest' });

    // Usage through the public API equals the simulator's truth: its final counter less the first stored one.
    const firsts = await influxQuery(influxd.url, DB, `SELECT first(energy_import_kwh) FROM reading WHERE meter =~ /^m[123]$/ GROUP BY meter`);
    const first = Object.fromEntries(firsts.map((s) => [s.tags.meter!, Number(s.rows[0]![1])]));
    const to = Date.now() + 3_600_000;
    const usage = await waitFor(async () => {
      const res = await fetch(`${ing.url}/api/v1/usage?site=${SITE}&from=${from - 3_600_000}&to=${to}&interval=15m&by=meter`);
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as { series: { meter: string; total: { value: number } }[] };
      const got = Object.fromEntries(body.series.map((s) => [s.meter, s.total.value]));
      return METERS.every((m) => Math.abs((got[m] ?? 0) - (truth[m]! - first[m]!)) < 1e-3) ? got : undefined;
    }, { what: 'usage equal to the truth', timeoutMs: 30_000 }).catch(async (err: Error) => {
      const res = await fetch(`${ing.url}/api/v1/usage?site=${SITE}&from=${from - 3_600_000}&to=${to}&interval=15m&by=meter`);
      throw new Error(`${err.message}; truth ${JSON.stringify(Object.fromEntries(METERS.map((m) => [m, truth[m]! - first[m]!])))}, API ${await res.text()}`);
    });
    for (const m of METERS) expect(usage[m]).toBeCloseTo(truth[m]! - first[m]!, 3);

    expect(peakRss).toBeGreaterThan(0);
    expect(peakRss).toBeLessThan(RSS_BOUND_MB);
  }, 240_000);
});
