// `npm run bench`: every benchmark in test/bench in sequence, one table, bench-results.json.
// `npx tsx test/bench/run.ts --only query,gateway-polling` runs the named ones only.
// A bench that fails is reported with its error; the others still run.
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, type Figures } from './support.ts';

const BENCHES = ['planning', 'ingest', 'gateway-polling', 'replay', 'query', 'journal-memory', 'gateway-memory', 'footprint'];

const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set((process.argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : null;
const unknown = [...(only ?? [])].filter((n) => !BENCHES.includes(n));
if (unknown.length || only?.size === 0) {
  console.error(`--only takes a comma-separated list of: ${BENCHES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  process.exit(2);
}

const results: Record<string, Figures | { error: string }> = {};
const started = Date.now();
for (const name of BENCHES.filter((n) => !only || only.has(n))) {
  const file = path.join(REPO, 'test/bench', `${name}.bench.ts`);
  if (!existsSync(file)) continue;
  console.log(`\n== ${name}`);
  const t0 = Date.now();
  try {
    const mod = await import(pathToFileURL(file).href) as { run: () => Promise<object> };
    results[name] = { ...(await mod.run()) as Figures, seconds: Math.round((Date.now() - t0) / 1000) };
  } catch (err) {
    results[name] = { error: (err as Error).message.split('\n')[0]! };
    console.error(`${name} failed: ${(err as Error).stack}`);
  }
}

const machine = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? 'unknown',
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  // Other work on the machine shows here; the ratios, measured side by side, suffer less from it.
  loadavg_1m_at_end: Math.round(os.loadavg()[0]! * 100) / 100,
  total_seconds: Math.round((Date.now() - started) / 1000),
};

const rows: [string, string, string][] = [];
for (const [bench, figures] of Object.entries(results)) {
  for (const [k, v] of Object.entries(figures)) rows.push([bench, k, typeof v === 'number' ? v.toLocaleString('en') : String(v)]);
}
const w0 = Math.max(5, ...rows.map((r) => r[0].length));
const w1 = Math.max(6, ...rows.map((r) => r[1].length));
console.log(`\n${'bench'.padEnd(w0)}  ${'figure'.padEnd(w1)}  value`);
let last = '';
for (const [b, k, v] of rows) {
  console.log(`${(b === last ? '' : b).padEnd(w0)}  ${k.padEnd(w1)}  ${v}`);
  last = b;
}
console.log(`\n${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gb} GB, Node ${machine.node}, ${machine.date}, ${machine.total_seconds} s`);
const out = path.join(REPO, 'bench-results.json');
writeFileSync(out, `${JSON.stringify({ machine, results }, null, 2)}\n`);
console.log(`wrote ${out}`);
