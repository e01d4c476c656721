// Ingest: values per second end to end (MQTT batch in, InfluxDB accepted, ack out) through a real
// ingestor process with its embedded aedes, from 2 gateway-like mqtt.js clients, against the raw
// line-protocol write rate of the same influxd in the same run (2 writers, 5,000 points a write).
// DESIGN.md target: end to end ≥ 0.5 × raw.
// Run: npx tsx test/bench/ingest.bench.ts [seconds per phase]
import mqtt, { type MqttClient } from 'mqtt';
import { MEASUREMENTS, WIRE_VERSION, topics, type Manifest } from '../../core/index.ts';
import { SDM630 } from '../../gateway/models/eastron.ts';
import { influxQuery, influxWrite, startBenchInfluxd, startBenchIngestor } from './stack.ts';
import { cpuSeconds, isMain, printFigures, round, sleep, withTimeout, type Figures } from './support.ts';

const FIELDS = SDM630.registers.map((r) => r.measurement);
// Inside each measurement's plausible range, or the ingestor would rightly quarantine them.
const LOW = FIELDS.map((f) => MEASUREMENTS[f].min);
const SPAN = FIELDS.map((f) => Math.min(MEASUREMENTS[f].max - MEASUREMENTS[f].min, 1e6));
const COUNTER = FIELDS.map((f) => MEASUREMENTS[f].type === 'counter');
// Gauges wander inside their range; counters rise by a plausible step each second (about 1.8 kW),
// as a live meter's registers do, so derivation sees usage and not a counter falling back.
const value = (meter: number, f: number, k: number) => COUNTER[f]
  ? 1000 + meter * 10 + Math.round(k * 0.5) / 1000
  : LOW[f]! + (SPAN[f]! * (((meter * 31 + f * 7 + k) % 1000) + 1)) / 1002;
const METERS = 500;
const RAW_BATCH = 5_000;
const MQTT_BATCH = 5_000;
const WINDOW = 4;
const SITE = 'bench';
const BASE_TS = Date.now() - 20 * 86_400_000;

/** Values that move a little from reading to reading, as a live meter's do. */
function fieldsAt(meter: number, k: number): string {
  let s = '';
  for (let f = 0; f < FIELDS.length; f++) s += `${f ? ',' : ''}${FIELDS[f]}=${value(meter, f, k)}`;
  return s;
}

function rawBody(writer: number, batch: number): string {
  const lines: string[] = [];
  for (let i = 0; i < RAW_BATCH; i++) {
    const meter = i % METERS;
    const k = batch * (RAW_BATCH / METERS) + Math.floor(i / METERS);
    lines.push(`reading,site=${SITE},building=b1,gateway=raw-${writer},meter=m${meter},kind=electricity,zone=administrative,end_use=lighting_sockets ${fieldsAt(meter, k)} ${BASE_TS + k * 1000}`);
  }
  return lines.join('\n');
}

async function rawPhase(url: string, seconds: number, influxdPid: number): Promise<{ pointsPerSec: number; points: number; influxdCpu: number }> {
  await influxQuery(url, 'raw', 'CREATE DATABASE raw', 'POST');
  await influxWrite(url, 'raw', rawBody(9, 0));
  const deadline = Date.now() + seconds * 1000;
  const t0 = performance.now();
  const c0 = cpuSeconds(influxdPid);
  const counts = await Promise.all([0, 1].map(async (w) => {
    let n = 0;
    for (let b = 0; Date.now() < deadline; b++) {
      await influxWrite(url, 'raw', rawBody(w, b));
      n += RAW_BATCH;
    }
    return n;
  }));
  const points = counts[0]! + counts[1]!;
  return { points, pointsPerSec: Math.round(points / ((performance.now() - t0) / 1000)), influxdCpu: cpuSeconds(influxdPid) - c0 };
}

function batchPayload(gateway: string, seq: number): string {
  const readings = [];
  for (let i = 0; i < MQTT_BATCH; i++) {
    const meter = i % METERS;
    const k = (seq - 1) * (MQTT_BATCH / METERS) + Math.floor(i / METERS);
    const values: Record<string, number> = {};
    for (let f = 0; f < FIELDS.length; f++) values[FIELDS[f]!] = value(meter, f, k);
    readings.push({ meter: `${gateway}-m${meter}`, ts: BASE_TS + k * 1000, values });
  }
  return JSON.stringify({ v: WIRE_VERSION, site: SITE, gateway, seq, sent: Date.now(), readings });
}

function manifest(gateway: string): Manifest {
  return {
    v: WIRE_VERSION, site: SITE, gateway, ts: Date.now(), replacements: [],
    meters: Array.from({ length: METERS }, (_, i) => ({
      id: `${gateway}-m${i}`, building: 'b1', kind: 'electricity' as const, model: 'SDM630', zone: 'administrative' as const,
      end_use: 'lighting_sockets' as const, role: 'sub' as const, multiplier: 1,
    })),
  };
}

// Meter ids are unique per site, so each gateway's meters carry its id.
/** One gateway-like client: keeps WINDOW batches in flight until the deadline, then drains. */
async function publisher(client: MqttClient, gateway: string, deadline: number): Promise<{ readings: number; lastAck: number }> {
  const waiting = new Map<number, () => void>();
  // Kept, not thrown: a throw in the event handler would end the process before it stops influxd.
  let refused: string | null = null;
  client.on('message', (_t, payload) => {
    const ack = JSON.parse(payload.toString('utf8')) as { seq: number; status: string; stored: number };
    if (ack.status !== 'ok' || ack.stored !== MQTT_BATCH) refused ??= payload.toString('utf8');
    waiting.get(ack.seq)?.();
  });
  await client.subscribeAsync(topics.ack(SITE, gateway), { qos: 1 });
  let seq = 0;
  let acked = 0;
  let lastAck = 0;
  const inflight = new Set<Promise<void>>();
  while (Date.now() < deadline && !refused) {
    const s = ++seq;
    const payload = batchPayload(gateway, s);
    const p = new Promise<void>((resolve) => waiting.set(s, () => {
      waiting.delete(s);
      acked++;
      lastAck = performance.now();
      resolve();
    }));
    inflight.add(p);
    void p.then(() => inflight.delete(p));
    client.publish(topics.batch(SITE, gateway), payload, { qos: 1 });
    if (inflight.size >= WINDOW) await withTimeout(Promise.race(inflight), 60_000, 'ack');
  }
  await withTimeout(Promise.all(inflight), 60_000, 'acks');
  if (refused) throw new Error(`a batch was not stored: ${refused}`);
  return { readings: acked * MQTT_BATCH, lastAck };
}

export async function run(seconds = 10): Promise<Figures> {
  const stack = await startBenchInfluxd('zm-bench-ingest-');
  const clients: MqttClient[] = [];
  let ingestor: Awaited<ReturnType<typeof startBenchIngestor>> | undefined;
  try {
    const url = stack.influxd.url;
    const raw = await rawPhase(url, seconds, stack.influxd.pid);

    const gateways = ['gw-1', 'gw-2'];
    ingestor = await startBenchIngestor({ dir: stack.dir, influxUrl: url, database: 'zonemeter', gateways: gateways.map((g) => [SITE, g]) });
    for (const g of gateways) {
      const c = await mqtt.connectAsync(ingestor.mqttUrl, { clientId: `${g}-bench`, username: g, password: ingestor.passwords[g], reconnectPeriod: 0 });
      clients.push(c);
      await c.publishAsync(topics.manifest(SITE, g), JSON.stringify(manifest(g)), { qos: 1, retain: true });
    }
    const httpUrl = ingestor.httpUrl;
    for (let i = 0; ; i++) {
      const body = await (await fetch(`${httpUrl}/api/v1/gateways`)).json() as { gateways: { meters: number }[] };
      if (body.gateways.filter((g) => g.meters === METERS).length === gateways.length) break;
      if (i > 100) throw new Error('ingestor did not take the manifests');
      await sleep(100);
    }
    const t0 = performance.now();
    // CPU each process spent, beside the rates: on a shared machine the rates move with the load
    // of the moment, the CPU seconds per reading much less.
    const cpu0 = { ingestor: cpuSeconds(ingestor.child.pid), influxd: cpuSeconds(stack.influxd.pid), bench: process.cpuUsage() };
    const deadline = Date.now() + seconds * 1000;
    const done = await Promise.all(gateways.map((g, i) => publisher(clients[i]!, g, deadline)));
    const cpu = {
      ingestor: cpuSeconds(ingestor.child.pid) - cpu0.ingestor,
      influxd: cpuSeconds(stack.influxd.pid) - cpu0.influxd,
      bench: (() => { const u = process.cpuUsage(cpu0.bench); return (u.user + u.system) / 1e6; })(),
    };
    const readings = done.reduce((n, d) => n + d.readings, 0);
    const elapsed = (Math.max(...done.map((d) => d.lastAck)) - t0) / 1000;
    const e2eReadingsPerSec = Math.round(readings / elapsed);
    // Usage derivation runs behind ingest on the same readings: how long until it has caught up.
    let caughtUp = NaN;
    for (let i = 0; i < 1200; i++) {
      const h = await (await fetch(`${httpUrl}/healthz`)).json() as { usage?: { pending_meters: number } };
      if (h.usage?.pending_meters === 0) {
        caughtUp = performance.now();
        break;
      }
      await sleep(100);
    }
    const derivedSeconds = (caughtUp - t0) / 1000;

    const rawValuesPerSec = raw.pointsPerSec * FIELDS.length;
    const e2eValuesPerSec = e2eReadingsPerSec * FIELDS.length;
    return {
      fields_per_point: FIELDS.length,
      raw_points: raw.points,
      raw_points_per_s: raw.pointsPerSec,
      raw_values_per_s: rawValuesPerSec,
      e2e_readings: readings,
      e2e_batch_readings: MQTT_BATCH,
      e2e_readings_per_s: e2eReadingsPerSec,
      e2e_values_per_s: e2eValuesPerSec,
      ratio_e2e_to_raw: round(e2eValuesPerSec / rawValuesPerSec, 2),
      // CPU milliseconds per 1,000 readings (19 values each) in each process while they were ingested.
      raw_influxd_cpu_ms_per_1k: round((1000 * raw.influxdCpu) / (raw.points / 1000), 1),
      e2e_ingestor_cpu_ms_per_1k: round((1000 * cpu.ingestor) / (readings / 1000), 1),
      e2e_influxd_cpu_ms_per_1k: round((1000 * cpu.influxd) / (readings / 1000), 1),
      e2e_bench_clients_cpu_ms_per_1k: round((1000 * cpu.bench) / (readings / 1000), 1),
      usage_derived_readings_per_s: Number.isFinite(derivedSeconds) ? Math.round(readings / derivedSeconds) : 'not caught up in 120 s',
      usage_caught_up_s_after_last_ack: Number.isFinite(derivedSeconds) ? round(derivedSeconds - elapsed, 1) : 'not caught up in 120 s',
      target: 'ratio ≥ 0.5',
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.endAsync(true)));
    await ingestor?.close();
    await stack.close();
  }
}

if (isMain(import.meta.url)) {
  const s = Number(process.argv[2] ?? 10);
  printFigures('ingest', await run(s > 0 ? s : 10));
}
