import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { InfluxClient } from '../../ingestor/store/influx.ts';
import { startMosquitto, type ManagedMosquitto } from '../support/mosquitto.ts';
import { tempDir, uniqueDb, waitFor } from '../support/harness.ts';
import { connectGateway, reading, type GatewayClient } from '../support/mqtt-gateway.ts';

const root = path.resolve(import.meta.dirname, '../..');
const METERS = ['m1', 'm2', 'm3', 'm4'];
const BATCHES = 80;
const KILL_AFTER = 25;

interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<void>;
}

// Two ingestor processes behind Debian's mosquitto, sharing the batch subscription; one is
// killed with SIGKILL mid-stream and the other, with the gateway's resends, carries on.
describe('external broker: two ingestor replicas on mosquitto', () => {
  const tmp = tempDir('zm-external-');
  const database = uniqueDb('ext');
  const influx = new InfluxClient({ url: inject('influxUrl'), database, maxPointsPerWrite: 5000, flushMs: 10 });
  let mosquitto: ManagedMosquitto;
  const replicas: Replica[] = [];
  let gw: GatewayClient;

  async function startReplica(name: string): Promise<Replica> {
    const file = path.join(tmp.dir, `${name}.yaml`);
    writeFileSync(file, JSON.stringify({
      http: { host: '127.0.0.1' },
      mqtt: { mode: 'external', external: { url: mosquitto.url, group: 'ingestors', clientId: `ingestor-${name}` } },
      influx: { url: inject('influxUrl'), database, flushMs: 10 },
    }));
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/zonemeter.js', 'ingestor', 'run', '-c', file], {
      cwd: root,
      env: { ...process.env, ZM_HTTP_PORT: String(port), ZM_DATA_DIR: path.join(tmp.dir, name), ZM_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const keep = (d: Buffer) => { output.push(d.toString('utf8')); if (output.length > 50) output.shift(); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const r: Replica = { name, url: `http://127.0.0.1:${port}`, child, output, exited: new Promise((res) => child.once('exit', () => res())) };
    replicas.push(r);
    // build() subscribes before HTTP listens: an answer on /healthz means the replica is in the group.
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${output.join('')}`);
      return (await fetch(`${r.url}/healthz`)).status === 200 ? true : undefined;
    }, { what: `replica ${name}`, timeoutMs: 30_000 });
    return r;
  }

  const batchesOf = async (r: Replica): Promise<number> => {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    return Number(/^zm_ingest_batches_total (\d+)$/m.exec(text)?.[1]);
  };

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    await Promise.all([startReplica('a'), startReplica('b')]);
    gw = await connectGateway({ url: mosquitto.url, site: 'site-a', gateway: 'gw-1', protocolVersion: 5, resendAfterMs: 1500 });
    await gw.publishManifest(METERS);
    for (const r of replicas) {
      await waitFor(async () => {
        const body = (await (await fetch(`${r.url}/api/v1/meters`)).json()) as { meters: unknown[] };
        return body.meters.length === METERS.length ? true : undefined;
      }, { what: `manifest on ${r.name}` });
    }
  });

  afterAll(async () => {
    await gw?.close();
    for (const r of replicas) {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
      await r.exited;
    }
    await mosquitto?.stop();
    await influx.query(`DROP DATABASE "${database}"`).catch(() => undefined);
    tmp.remove();
  });

  it('splits batches between replicas, survives kill -9 of one, stores every reading once', async () => {
    const base = Date.now() - 3_600_000;
    const [a, b] = replicas as [Replica, Replica];
    let split: [number, number] = [0, 0];
    for (let seq = 1; seq <= BATCHES; seq++) {
      void gw.publishBatch(seq, METERS.map((m, i) => reading(m, base + seq * 1000, seq * 10 + i))).catch(() => undefined);
      if (seq === KILL_AFTER) {
        await waitFor(() => (gw.acked.size >= KILL_AFTER - 5 ? true : undefined), { what: 'acks before the kill' });
        split = [await batchesOf(a), await batchesOf(b)];
        a.child.kill('SIGKILL');
        await a.exited;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    // The shared subscription gave both replicas a part of the load.
    expect(split[0]).toBeGreaterThan(0);
    expect(split[1]).toBeGreaterThan(0);

    await waitFor(() => (gw.acked.size === BATCHES ? true : undefined), { what: `all ${BATCHES} batches acked`, timeoutMs: 30_000 });
    for (let seq = 1; seq <= BATCHES; seq++) expect(gw.acked.get(seq), `seq ${seq}`).toMatchObject({ status: 'ok', stored: METERS.length });
    // The survivor took everything sent after the kill.
    expect(await batchesOf(b)).toBeGreaterThanOrEqual(split[1] + (BATCHES - KILL_AFTER));

    const [all] = await influx.query('SELECT count(*) FROM reading');
    expect(all?.[0]?.values[0]?.[1]).toBe(BATCHES * METERS.length);
    const [bySeries] = await influx.query('SELECT count(energy_import_kwh) FROM reading GROUP BY *');
    expect(bySeries).toHaveLength(METERS.length);
    for (const s of bySeries!) expect(s.values[0]![1]).toBe(BATCHES);
  });
});
