// Gateway memory against its backlog: the real `zonemeter gateway run` process, polling meters,
// with 0 and then 1M readings waiting in its journal (the uplink points at a closed port, so
// nothing drains). RSS should not follow the backlog: the journal keeps records on disk only.
// The gateway runs from the bundle a board runs (npm run build, dist/zonemeter.mjs).
// Run: npx tsx test/bench/gateway-memory.bench.ts [readings]
import path from 'node:path';
import { freePort } from '../../cli/ports.ts';
import { openJournal } from '../../gateway/journal/index.ts';
import { writeFileSync } from 'node:fs';
import { gatewayConfig, gatewayStatus, sdm630Simulator } from '../support/processes.ts';
import { alive, buildBundle, isMain, measureProcess, printFigures, round, sleep, startChild, tempDir, type Child } from './support.ts';

/** `gateway run` from the bundle; resolves once its status endpoint answers. */
async function startBundledGateway(bundle: string, file: string, config: unknown): Promise<{ child: Child; health: string }> {
  writeFileSync(file, JSON.stringify(config));
  const port = await freePort();
  const health = `http://127.0.0.1:${port}`;
  const child = startChild(process.execPath, [bundle, 'gateway', 'run', '-c', file], { env: { ...process.env, ZM_LOG_LEVEL: 'warn', ZM_GATEWAY_HTTP: `127.0.0.1:${port}` } });
  for (const deadline = Date.now() + 30_000; ;) {
    if (!alive(child)) throw new Error(`gateway exited:\n${child.tail()}`);
    try {
      await gatewayStatus(health);
      return { child, health };
    } catch {
      if (Date.now() > deadline) {
        await child.stop();
        throw new Error(`gateway did not answer within 30 s:\n${child.tail()}`);
      }
      await sleep(200);
    }
  }
}

export interface GatewayMemoryResult {
  backlog: number;
  journalMb: number;
  rssEmptyMb: number;
  rssEmptyMaxMb: number;
  rssBacklogMb: number;
  rssBacklogMaxMb: number;
  ratio: number;
  cpuEmptyPct: number;
  cpuBacklogPct: number;
  [k: string]: number;
}

const METERS = 4;
const WARMUP_MS = 3000;
const MEASURE_MS = 6000;

async function prefill(dir: string, total: number): Promise<void> {
  const j = await openJournal({ dir, maxBytes: 8 * 1024 ** 3, segmentBytes: 16 * 1024 * 1024, fsyncIntervalMs: 60_000 });
  const t0 = Date.now() - total * 10;
  const values = { energy_import_kwh: 1234.5, power_kw: 12.3, voltage_l1_v: 230.1, current_l1_a: 17.8, power_factor: 0.97, frequency_hz: 50 };
  for (let i = 0; i < total; i += 1000) {
    const n = Math.min(1000, total - i);
    j.append(Array.from({ length: n }, (_, k) => ({ meter: `m${((i + k) % METERS) + 1}`, ts: t0 + (i + k) * 10, values })));
  }
  await j.close();
}

async function measure(bundle: string, dir: string, backlog: number, simPort: number): Promise<{ rss: number; rssMax: number; cpu: number; records: number; bytes: number }> {
  const journalDir = path.join(dir, `journal-${backlog}`);
  if (backlog > 0) await prefill(journalDir, backlog);
  const cfg = gatewayConfig('bench', `gw-${backlog}`, { uplink: `mqtt://127.0.0.1:${await freePort()}`, simPort, meters: METERS, dir });
  const gw = await startBundledGateway(bundle, path.join(dir, `gw-${backlog}.json`), { ...cfg, journal: { ...(cfg.journal as object), dir: journalDir } });
  try {
    await sleep(WARMUP_MS);
    const usage = await measureProcess(gw.child.pid, MEASURE_MS);
    const st = await gatewayStatus(gw.health);
    if (st.meters.some((m) => m.reads === 0)) throw new Error('a meter was never read: the gateway was not doing its job');
    return { rss: usage.rssMb, rssMax: usage.rssMaxMb, cpu: usage.cpuPct, records: st.journal.records, bytes: st.journal.bytes };
  } finally {
    await gw.child.stop();
  }
}

export async function run(backlog = 1_000_000): Promise<GatewayMemoryResult> {
  const bundle = await buildBundle();
  const tmp = tempDir('zm-gw-mem-');
  const sim = await sdm630Simulator(METERS);
  try {
    const empty = await measure(bundle, tmp.dir, 0, sim.tcp!.port);
    const full = await measure(bundle, tmp.dir, backlog, sim.tcp!.port);
    if (full.records < backlog) throw new Error(`only ${full.records} records buffered, expected ${backlog}`);
    return {
      backlog: full.records,
      journalMb: round(full.bytes / 1024 ** 2),
      rssEmptyMb: empty.rss,
      rssEmptyMaxMb: empty.rssMax,
      rssBacklogMb: full.rss,
      rssBacklogMaxMb: full.rssMax,
      ratio: round(full.rss / empty.rss, 2),
      cpuEmptyPct: empty.cpu,
      cpuBacklogPct: full.cpu,
    };
  } finally {
    await sim.close();
    tmp.remove();
  }
}

if (isMain(import.meta.url)) {
  const n = Number(process.argv[2] ?? 1_000_000);
  const r = await run(Number.isInteger(n) && n > 0 ? n : 1_000_000);
  printFigures(`gateway memory, 0 vs ${r.backlog.toLocaleString('en')} readings buffered (${METERS} meters polled every 100 ms)`, r);
  console.log(JSON.stringify({ bench: 'gateway-memory', ...r }));
}
