// Replay after an outage: a gateway process starts with a journal backlog (readings of its own
// meters from before the outage) while the ingestor is down; the ingestor comes up and the backlog
// drains. Reported: readings/s until drained, and the interval between successive reads of the
// live meters during the drain (from the readings' timestamps as stored in InfluxDB).
// DESIGN.md target: ≥ 20k readings/s with live polling on schedule.
// Run: npx tsx test/bench/replay.bench.ts [backlog] [live meters]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../cli/ports.ts';
import type { Reading } from '../../core/index.ts';
import { openJournal } from '../../gateway/journal/index.ts';
import { gatewayConfig, meterTargets, startSimProcess } from './gateway-polling.bench.ts';
import { influxQuery, startBenchInfluxd, startBenchIngestor, type BenchIngestor } from './stack.ts';
import { alive, isMain, percentile, printFigures, round, sleep, startChild, ZONEMETER, type Child, type Figures } from './support.ts';

interface GatewayStatus {
  journal: { records: number };
  uplink: { readingsAcked: number; state: string };
}

async function fillJournal(dir: string, meters: number, backlog: number, from: number): Promise<void> {
  const journal = await openJournal({ dir, maxBytes: 4 * 2 ** 30, segmentBytes: 16 * 2 ** 20, fsyncIntervalMs: 1000 });
  for (let i = 0; i < backlog; i += 1000) {
    const batch: Reading[] = [];
    for (let j = i; j < Math.min(backlog, i + 1000); j++) {
      const k = Math.floor(j / meters);
      batch.push({ meter: `m${j % meters}`, ts: from + k * 1000, values: { energy_import_kwh: 1000 + k / 100, power_kw: 5 + (j % 7), voltage_l1_v: 230.1, current_l1_a: 7.5, frequency_hz: 50 } });
    }
    journal.append(batch);
  }
  await journal.flush();
  await journal.close();
}

export async function run(backlog = 200_000, meters = 50): Promise<Figures> {
  const stack = await startBenchInfluxd('zm-bench-replay-');
  const children: Child[] = [];
  let ingestor: BenchIngestor | undefined;
  try {
    const sim = await startSimProcess(meters);
    children.push(sim.child);
    const journalDir = path.join(stack.dir, 'journal');
    // Before the outage: the backlog ends where live polling starts.
    await fillJournal(journalDir, meters, backlog, Date.now() - Math.ceil(backlog / meters) * 1000 - 60_000);
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const password = 'bench-gw-1';
    const file = path.join(stack.dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({
      ...gatewayConfig({ targets: meterTargets(sim.endpoints), mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, password, journalDir, httpPort }),
    }));
    const gw = startChild(process.execPath, [ZONEMETER, 'gateway', 'run', '-c', file], { env: { ...process.env, ZM_LOG_LEVEL: 'warn' } });
    children.push(gw);
    const status = async () => await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/status`)).json() as GatewayStatus;
    await sleep(3000);
    if (!alive(gw)) throw new Error(`gateway exited:\n${gw.tail()}`);
    const liveFrom = Date.now();

    ingestor = await startBenchIngestor({ dir: stack.dir, influxUrl: stack.influxd.url, database: 'zonemeter', gateways: [['bench', 'gw-1']], mqttPort });
    if (ingestor.passwords['gw-1'] !== password) throw new Error('password mismatch');
    // The drain is timed from the first acknowledged batch to an empty backlog; live readings
    // keep arriving, so "drained" means fewer left than two rounds of live reads.
    let first: { t: number; acked: number } | null = null;
    let last: { t: number; acked: number } = { t: 0, acked: 0 };
    const deadline = Date.now() + 180_000;
    for (;;) {
      const s = await status();
      const t = performance.now();
      if (!first && s.uplink.readingsAcked > 0) first = { t, acked: s.uplink.readingsAcked };
      if (first) last = { t, acked: s.uplink.readingsAcked };
      if (first && s.journal.records <= 2 * meters) break;
      if (Date.now() > deadline) throw new Error(`backlog not drained within 180 s: ${JSON.stringify(s)}`);
      await sleep(100);
    }
    const drainS = (last.t - first!.t) / 1000;
    const drained = last.acked - first!.acked;
    const liveTo = Date.now();
    await sleep(3000);

    // Read times of the live meters while the backlog drained: stored timestamps are read times.
    const body = await influxQuery(stack.influxd.url, 'zonemeter',
      `SELECT power_kw, meter FROM reading WHERE time >= ${liveFrom}ms AND time <= ${liveTo}ms`) as { results: { series?: { values: [number, number, string][] }[] }[] };
    const byMeter = new Map<string, number[]>();
    for (const [ts, , meter] of body.results[0]?.series?.[0]?.values ?? []) byMeter.set(meter, [...(byMeter.get(meter) ?? []), ts]);
    const gaps: number[] = [];
    for (const ts of byMeter.values()) {
      ts.sort((a, b) => a - b);
      for (let i = 1; i < ts.length; i++) gaps.push(ts[i]! - ts[i - 1]!);
    }
    gaps.sort((a, b) => a - b);
    return {
      backlog, live_meters: meters,
      drained_readings: drained, drain_s: round(drainS, 2),
      drain_readings_per_s: Math.round(drained / drainS),
      live_intervals: gaps.length,
      live_interval_p50_ms: percentile(gaps, 50), live_interval_p99_ms: percentile(gaps, 99),
      live_interval_max_ms: gaps.at(-1) ?? NaN,
      target: '≥ 20,000 readings/s; live interval p99 near 1,000 ms',
    };
  } finally {
    for (const c of children.reverse()) await c.stop();
    await ingestor?.close();
    await stack.close();
  }
}

if (isMain(import.meta.url)) {
  const b = Number(process.argv[2] ?? 200_000);
  const m = Number(process.argv[3] ?? 50);
  printFigures('replay', await run(b > 0 ? b : 200_000, m > 0 ? m : 50));
}
