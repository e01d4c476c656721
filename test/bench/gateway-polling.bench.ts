// Gateway polling: 500 simulated Modbus TCP meters read every second. CPU and RSS of a real
// `zonemeter gateway run` process (decode, journal, uplink to a real ingestor) against Node-RED with
// node-red-contrib-modbus reading the same registers from the same simulator process, one after
// the other in the same run. DESIGN.md target: CPU ≤ Node-RED's, RSS ≤ 1/3 of Node-RED's.
// Run: npx tsx test/bench/gateway-polling.bench.ts [meters] [seconds]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../cli/ports.ts';
import { gatewayEnvironment, gatewayNodeFlags } from '../../cli/service-unit.ts';
import { SDM630 } from '../../gateway/models/eastron.ts';
import { limitsFor, planReads } from '../../gateway/poll/planner.ts';
import { startNodeRed } from './node-red.ts';
import { startBenchInfluxd, startBenchIngestor } from './stack.ts';
import { alive, buildBundle, isMain, measureProcess, printFigures, round, sleep, startChild, ZONEMETER, REPO, type Child, type Figures, type ProcessUsage } from './support.ts';

// Steady state, not the first seconds: modbus-serial keeps each client's last 256 transactions with
// their callbacks and buffers, so RSS climbs until 256 requests per meter have been made (128 s at
// two requests a second; measured here: 147 MB at 20 s, flat at about 335 MB from 160 s). Node-RED's
// contrib node uses the same library and gets the same warm-up.
const WARMUP_MS = 150_000;

interface Endpoint { port: number; unitIds: number[] }

/** The simulator in its own process; resolves once it prints where it listens. */
export async function startSimProcess(meters: number): Promise<{ child: Child; endpoints: Endpoint[] }> {
  let ready: (e: Endpoint[]) => void = () => undefined;
  const got = new Promise<Endpoint[]>((r) => { ready = r; });
  const child = startChild(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/bench/sim-server.ts'), String(meters)], {
    onLine: (line) => { if (line.startsWith('{"endpoints"')) ready((JSON.parse(line) as { endpoints: Endpoint[] }).endpoints); },
  });
  const timeout = sleep(30_000).then(() => null);
  const endpoints = await Promise.race([got, timeout]);
  if (!endpoints) {
    await child.stop();
    throw new Error(`simulator did not start:\n${child.tail()}`);
  }
  return { child, endpoints };
}

export function meterTargets(endpoints: Endpoint[]): { port: number; unitId: number }[] {
  return endpoints.flatMap((e) => e.unitIds.map((unitId) => ({ port: e.port, unitId })));
}

/** A gateway config: every meter is its own Modbus TCP device (its own bus and connection). */
export function gatewayConfig(opts: {
  targets: { port: number; unitId: number }[]; mqttUrl: string; password: string; journalDir: string; httpPort: number; gateway?: string;
}): Record<string, unknown> {
  const gateway = opts.gateway ?? 'gw-1';
  return {
    site: 'bench', gateway, building: 'b1', http: `127.0.0.1:${opts.httpPort}`,
    uplink: { url: opts.mqttUrl, username: gateway, password: opts.password },
    journal: { dir: opts.journalDir },
    buses: opts.targets.map((t, i) => ({ id: `bus-${i}`, type: 'tcp', host: '127.0.0.1', port: t.port })),
    meters: opts.targets.map((t, i) => ({
      id: `m${i}`, bus: `bus-${i}`, unitId: t.unitId, model: 'SDM630', zone: 'administrative', endUse: 'lighting_sockets', intervalMs: 1000,
    })),
  };
}

export async function gatewayReads(healthUrl: string): Promise<number> {
  const body = await (await fetch(`${healthUrl}/api/v1/status`)).json() as { meters: { reads: number }[] };
  return body.meters.reduce((n, m) => n + m.reads, 0);
}

async function measureWithSim(pid: number, simPid: number, ms: number): Promise<[ProcessUsage, ProcessUsage]> {
  return Promise.all([measureProcess(pid, ms), measureProcess(simPid, ms)]);
}

export async function run(meters = 500, seconds = 30): Promise<Figures> {
  const stack = await startBenchInfluxd('zm-bench-polling-');
  const children: Child[] = [];
  const figures: Figures = { gateway: `dist/zonemeter.mjs (npm run build) run as the unit runs it: node ${gatewayNodeFlags(meters).join(' ')} ${Object.entries(gatewayEnvironment(meters)).map(([k, v]) => `${k}=${v}`).join(' ')}; zonemeter_tsx: bin/zonemeter.js`, meters, registers_per_meter: SDM630.registers.length, requests_per_meter: planReads(SDM630.registers, limitsFor(SDM630)).length, window_s: seconds };
  try {
    const sim = await startSimProcess(meters);
    children.push(sim.child);
    const targets = meterTargets(sim.endpoints);
    const ingestor = await startBenchIngestor({ dir: stack.dir, influxUrl: stack.influxd.url, database: 'zonemeter', gateways: [['bench', 'gw-1']] });
    children.push(ingestor.child);

    // The bundle is what a board runs (docs/deploy.md); the sources through tsx, what a clone runs.
    const bundle = await buildBundle();
    // The bundle as the systemd unit runs it (cli/service-unit.ts), with its node flags and environment.
    const variants: [string, string[], Readonly<Record<string, string>>][] = [
      ['zonemeter', [...gatewayNodeFlags(meters), bundle], gatewayEnvironment(meters)],
      ['zonemeter_tsx', [ZONEMETER], {}],
    ];
    let zm: ProcessUsage | undefined;
    // Bare node idling beside the gateway, measured in the same windows: the gateway's RSS above
    // it is what the job costs (goal for the bundle: ≤ 30 MB for 500 meters).
    const bare = startChild(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    children.push(bare);
    for (const [name, argv, env] of variants) {
      const file = path.join(stack.dir, `${name}.json`);
      const httpPort = await freePort();
      writeFileSync(file, JSON.stringify(gatewayConfig({ targets, mqttUrl: ingestor.mqttUrl, password: ingestor.passwords['gw-1']!, journalDir: path.join(stack.dir, `journal-${name}`), httpPort })));
      const gw = startChild(process.execPath, [...argv, 'gateway', 'run', '-c', file], { env: { ...process.env, ...env, ZM_LOG_LEVEL: 'warn' } });
      children.push(gw);
      await sleep(WARMUP_MS);
      if (!alive(gw)) throw new Error(`gateway (${name}) exited:\n${gw.tail()}`);
      const healthUrl = `http://127.0.0.1:${httpPort}`;
      const reads0 = await gatewayReads(healthUrl);
      const [[usage, sim_], bareUsage] = await Promise.all([measureWithSim(gw.pid, sim.child.pid, seconds * 1000), measureProcess(bare.pid, seconds * 1000)]);
      const reads = (await gatewayReads(healthUrl)) - reads0;
      await gw.stop();
      zm ??= usage;
      Object.assign(figures, {
        [`${name}_cpu_pct`]: usage.cpuPct, [`${name}_rss_mb`]: usage.rssMb, [`${name}_rss_max_mb`]: usage.rssMaxMb,
        [`${name}_reads_per_s`]: round(reads / seconds), [`simulator_cpu_pct_${name}`]: sim_.cpuPct,
        [`bare_node_rss_mb_${name}`]: bareUsage.rssMb, [`${name}_rss_above_bare_node_mb`]: round(usage.rssMb - bareUsage.rssMb),
      });
    }
    await ingestor.close();

    let nodeRed: Awaited<ReturnType<typeof startNodeRed>> | undefined;
    try {
      nodeRed = await startNodeRed(targets, planReads(SDM630.registers, limitsFor(SDM630)));
      children.push(nodeRed.child);
      await sleep(WARMUP_MS);
      if (!alive(nodeRed.child)) throw new Error(`node-red exited:\n${nodeRed.child.tail()}`);
      const [nr, nrSim] = await measureWithSim(nodeRed.child.pid, sim.child.pid, seconds * 1000);
      Object.assign(figures, {
        node_red: nodeRed.version, node_red_read_nodes: nodeRed.readNodes,
        node_red_cpu_pct: nr.cpuPct, node_red_rss_mb: nr.rssMb, node_red_rss_max_mb: nr.rssMaxMb,
        // The simulator's CPU tells whether Node-RED really asked as often as the gateway did.
        simulator_cpu_pct_node_red: nrSim.cpuPct,
        ratio_cpu: round(zm!.cpuPct / nr.cpuPct, 2), ratio_rss: round(zm!.rssMb / nr.rssMb, 2),
        target: 'ratio_cpu ≤ 1, ratio_rss ≤ 0.33',
      });
    } catch (err) {
      figures.node_red = `not measured: ${(err as Error).message.split('\n')[0]}`;
      console.error(`Node-RED not measured: ${(err as Error).message}`);
    } finally {
      await nodeRed?.close();
    }
    return figures;
  } finally {
    for (const c of children.reverse()) await c.stop();
    await stack.close();
  }
}

if (isMain(import.meta.url)) {
  const n = Number(process.argv[2] ?? 500);
  const s = Number(process.argv[3] ?? 30);
  printFigures('gateway-polling', await run(n > 0 ? n : 500, s > 0 ? s : 30));
}
