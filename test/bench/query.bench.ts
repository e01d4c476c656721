// Query: annual indicators and the dashboard's 24-hour usage chart for one site of 1,000 meters with
// a year of data, against a real ingestor process and influxd. DESIGN.md target: annual indicators
// in ≤ 200 ms. The data is written straight to influxd as line protocol (batches of 5,000, two
// writers) with the ingestor's own line builders: the rollups the queries read (usage_1d for the
// year and its plan base year, usage_1h for the year) and, for the last 24 hours only, the raw
// readings and 15-minute usage. A year of raw 15-minute readings would be 35M points, more than this
// bench loads; no query here reads them. It runs twice: with the database as the ingestor creates it
// (yearly shards), and created beforehand with influxd's default weekly shards, as a database made
// by hand or by an older ingestor is.
// Run: npx tsx test/bench/query.bench.ts [meters] [runs]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Manifest, Reading } from '../../core/index.ts';
import type { KnownMeter } from '../../ingestor/ingest/directory.ts';
import { readingLine } from '../../ingestor/store/points.ts';
import { USAGE_15M, USAGE_1D, USAGE_1H, USAGE_1MO, usageLine, usageSeries } from '../../ingestor/usage/lines.ts';
import { connectCounterGateway } from '../support/counter-gateway.ts';
import { influxQuery, influxWrite, startBenchInfluxd, startBenchIngestor } from './stack.ts';
import { isMain, percentile, printFigures, round, sleep, type Figures } from './support.ts';

const SITE = 'campus';
const GATEWAY = 'gw-1';
const DB = 'zonemeter';
const BUILDINGS = 10;
const YEAR = new Date().getUTCFullYear() - 1;
const BASE_YEAR = 2020; // the 14th plan's base year, read by the same request
const OFFSET_MS = 8 * 3_600_000; // the registry's default utcOffset, +08:00
const H = 3_600_000;
const DAY = 24 * H;
const QUARTER = 15 * 60_000;
const BATCH = 5_000;
const WRITERS = 2;
const TARGET_MS = 50;

type Spec = Manifest['meters'][number];

/** Per building: an electricity main, a water main, and electricity sub-meters under the main. */
function meters(n: number): Spec[] {
  const perBuilding = Math.ceil(n / BUILDINGS);
  const zones = ['administrative', 'business', 'logistics'] as const;
  const uses = ['lighting_sockets', 'air_conditioning', 'power', 'special'] as const;
  const out: Spec[] = [];
  for (let i = 0; i < n; i++) {
    const b = Math.floor(i / perBuilding), k = i % perBuilding, building = `b${b}`;
    const base = { building, model: 'generic', multiplier: 1 };
    if (k === 0) out.push({ ...base, id: `${building}-main`, kind: 'electricity', zone: 'administrative', end_use: 'total', role: 'main' });
    else if (k === 1) out.push({ ...base, id: `${building}-water`, kind: 'water', zone: 'administrative', end_use: 'total', role: 'main' });
    else out.push({ ...base, id: `${building}-m${k}`, kind: 'electricity', zone: zones[k % 3]!, end_use: uses[k % 4]!, role: 'sub', parent: `${building}-main` });
  }
  return out;
}

function registry(): string {
  const buildings = Array.from({ length: BUILDINGS }, (_, b) => `
          - id: b${b}
            area: [{ from: '2019-01-01', m2: ${8000 + 500 * b} }]
            headcount: [{ year: ${BASE_YEAR}, persons: ${300 + 10 * b} }, { year: ${YEAR}, persons: ${320 + 10 * b} }]
            zones: [{ zone: administrative }, { zone: business }, { zone: logistics }]
            supplies: [electricity, water]`).join('');
  return `
institutions:
  - id: bureau
    name: Bench bureau
    type: office
    sites:
      - id: ${SITE}
        climateZone: cold
        gridRegion: national
        buildings:${buildings}
`;
}

const localMidnight = (y: number) => Date.UTC(y, 0, 1) - OFFSET_MS;
const localMonthStart = (t: number) => {
  const local = new Date(t + OFFSET_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - OFFSET_MS;
};

/** Hourly usage of meter `i` with a day and week shape, so sums are not all alike. */
function hourly(i: number, t: number, kind: string): number {
  const hourOfDay = ((t + OFFSET_MS) / H) % 24;
  const working = hourOfDay >= 8 && hourOfDay < 19 ? 3 : 1;
  const scale = kind === 'water' ? 0.05 : 1 + (i % 7);
  return round(scale * working * (1 + 0.1 * Math.sin(t / (7 * DAY))), 4);
}

/** Writes lines from a generator in batches, `WRITERS` requests in flight. */
async function load(url: string, lines: Iterable<string>): Promise<number> {
  const it = lines[Symbol.iterator]();
  let points = 0;
  const writer = async () => {
    for (;;) {
      const batch: string[] = [];
      for (let r = it.next(); !r.done; r = it.next()) {
        batch.push(r.value);
        if (batch.length === BATCH) break;
      }
      if (!batch.length) return;
      points += batch.length;
      await influxWrite(url, DB, batch.join('\n'));
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  return points;
}

function* yearOfRollups(specs: Spec[], year: number, withHours: boolean): Generator<string> {
  const from = localMidnight(year), to = localMidnight(year + 1);
  const measured = (value: number, ms: number) => ({ value, estimated: 0, measuredMs: ms });
  const month = new Float64Array(specs.length);
  let monthStart = from;
  const monthLines = function* (start: number, end: number) {
    for (let i = 0; i < specs.length; i++) yield usageLine(USAGE_1MO, usageSeries({ ...specs[i]!, site: SITE }), start, measured(round(month[i]!, 4), end - start));
    month.fill(0);
  };
  // A whole day for every meter before the next day, so each batch covers few series and times.
  for (let d = from; d < to; d += DAY) {
    const start = localMonthStart(d);
    if (start !== monthStart) {
      yield* monthLines(monthStart, start);
      monthStart = start;
    }
    for (let i = 0; i < specs.length; i++) {
      const m = specs[i]!, series = usageSeries({ ...m, site: SITE });
      let day = 0;
      for (let h = d; h < d + DAY; h += H) {
        const v = hourly(i, h, m.kind);
        day += v;
        if (withHours) yield usageLine(USAGE_1H, series, h, measured(v, H));
      }
      month[i] = month[i]! + day;
      yield usageLine(USAGE_1D, series, d, measured(round(day, 4), DAY));
    }
  }
  yield* monthLines(monthStart, to);
}

/** The last 24 hours: the raw counter readings and the 15-minute usage derived from them. */
function* lastDay(specs: Spec[], now: number): Generator<string> {
  const end = Math.floor(now / QUARTER) * QUARTER, start = end - DAY;
  for (let i = 0; i < specs.length; i++) {
    const m = specs[i]!, series = usageSeries({ ...m, site: SITE });
    const known: KnownMeter = { ...m, site: SITE, gateway: GATEWAY } as KnownMeter;
    const field = m.kind === 'water' ? 'volume_m3' : 'energy_import_kwh';
    let counter = 10_000 + i;
    for (let t = start; t <= end; t += QUARTER) {
      const reading: Reading = { meter: m.id, ts: t, values: { [field]: round(counter, 4) } };
      yield readingLine(reading, known);
      const q = hourly(i, t, m.kind) / 4;
      if (t < end) yield usageLine(USAGE_15M, series, t, { value: q, estimated: 0, measuredMs: QUARTER });
      counter += q;
    }
  }
}

async function timeRuns(runs: number, warmup: number, fn: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b);
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}

/** Waits for the ingestor's in-memory monthly totals (/metrics) and returns their size and load time. */
async function monthTotalsLoaded(httpUrl: string): Promise<{ months: number; seconds: number }> {
  for (const deadline = Date.now() + 120_000; ;) {
    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    if (value('zm_usage_month_totals_ready') === 1) return { months: value('zm_usage_month_totals_months'), seconds: value('zm_usage_month_totals_load_seconds') };
    if (Date.now() > deadline) throw new Error('the monthly totals did not load within 120 s');
    await sleep(200);
  }
}

/**
 * One stack, loaded and queried. `shardDuration` creates the database before the ingestor starts;
 * null leaves it to the ingestor, which creates it with year-long shards.
 */
async function measure(n: number, runs: number, shardDuration: string | null, withHourlySum: boolean): Promise<Figures> {
  const stack = await startBenchInfluxd('zm-bench-query-');
  let closeIngestor = async () => undefined as unknown;
  try {
    if (shardDuration) await influxQuery(stack.influxd.url, DB, `CREATE DATABASE "${DB}" WITH SHARD DURATION ${shardDuration}`, 'POST');
    const file = path.join(stack.dir, 'registry.yaml');
    writeFileSync(file, registry());
    let ingestor = await startBenchIngestor({ dir: stack.dir, influxUrl: stack.influxd.url, database: DB, gateways: [[SITE, GATEWAY]], extra: { registry: file } });
    closeIngestor = () => ingestor.close();
    const specs = meters(n);
    const gw = await connectCounterGateway(ingestor.mqttUrl, SITE, GATEWAY, ingestor.passwords[GATEWAY]!);
    await gw.manifest(specs);
    await gw.close();
    for (let i = 0; ; i++) {
      const body = await getJson(`${ingestor.httpUrl}/api/v1/meters?site=${SITE}`) as { meters: unknown[] };
      if (body.meters.length >= n) break;
      if (i > 100) throw new Error(`the ingestor knows ${body.meters.length} of ${n} meters after 20 s`);
      await sleep(200);
    }

    const now = Date.now();
    const t0 = performance.now();
    const loaded = {
      usage_1d_and_1h: await load(stack.influxd.url, yearOfRollups(specs, YEAR, true)),
      usage_1d_base: await load(stack.influxd.url, yearOfRollups(specs, BASE_YEAR, false)),
      last_day: await load(stack.influxd.url, lastDay(specs, now)),
    };
    const loadS = (performance.now() - t0) / 1000;
    const points = loaded.usage_1d_and_1h + loaded.usage_1d_base + loaded.last_day;
    console.error(`loaded ${points.toLocaleString('en')} points in ${round(loadS)} s`);

    // The rollups went straight to influxd, past the usage service that keeps the in-memory monthly
    // totals: restart the ingestor as after a restore, so it loads them, and time that load.
    await ingestor.close();
    ingestor = await startBenchIngestor({ dir: stack.dir, influxUrl: stack.influxd.url, database: DB, gateways: [[SITE, GATEWAY]], extra: { registry: file } });
    const monthTotals = await monthTotalsLoaded(ingestor.httpUrl);
    console.error(`monthly totals: ${monthTotals.months.toLocaleString('en')} meter-months loaded in ${round(monthTotals.seconds)} s`);

    const indicatorsUrl = `${ingestor.httpUrl}/api/v1/sites/${SITE}/indicators?year=${YEAR}`;
    const report = await getJson(indicatorsUrl) as { total: { quantities: Record<string, { value: number | null }> } };
    if (!report.total.quantities.electricity?.value) throw new Error('the indicators answer has no electricity: the data did not load where the ingestor reads');
    // Each period asked for the first time (January to month 1…11, then the whole year from each
    // month's start): what an uncached answer costs, before the ingestor keeps it.
    const cold: number[] = [];
    for (let m = 1; m <= 11; m++) {
      for (const q of [`year=${YEAR}&ytd=true&through=${m}`, `from=${YEAR}-${String(m + 1).padStart(2, '0')}-01&to=${YEAR + 1}-01-01`]) {
        const t = performance.now();
        await getJson(`${ingestor.httpUrl}/api/v1/sites/${SITE}/indicators?${q}`);
        cold.push(performance.now() - t);
      }
    }
    const ind = await timeRuns(runs, 3, async () => { await getJson(indicatorsUrl); });

    // The dashboard's day chart (dashboard/src/main.ts refreshDay): the site's main meters, 15 min, by kind.
    const dayTo = Date.now();
    const dayUrl = `${ingestor.httpUrl}/api/v1/usage?site=${SITE}&from=${dayTo - DAY}&to=${dayTo}&interval=15m&by=kind&role=main`;
    const dayBody = await getJson(dayUrl) as { series: { kind: string; points: unknown[] }[] };
    if (!dayBody.series.some((s) => s.kind === 'electricity' && s.points.length >= 90)) throw new Error('the 24-hour chart came back without a day of electricity');
    const day = await timeRuns(runs, 3, async () => { await getJson(dayUrl); });

    // For comparison: the year's daily sums straight from the hourly points, without the daily rollup.
    const from = localMidnight(YEAR), to = localMidnight(YEAR + 1);
    const hourlyPoints = (loaded.usage_1d_and_1h / 25) * 24;
    const raw = !withHourlySum ? [] : await timeRuns(5, 1, async () => {
      await influxQuery(stack.influxd.url, DB, `SELECT sum("value") FROM "${USAGE_1H}" WHERE "site" = '${SITE}' AND time >= ${from}ms AND time < ${to}ms GROUP BY time(1d, ${DAY - OFFSET_MS}ms), "meter" fill(none)`);
    });

    return {
      points_loaded: points, load_s: round(loadS), load_points_per_s: Math.round(points / loadS),
      runs,
      indicators_p50_ms: round(percentile(ind, 50)), indicators_p95_ms: round(percentile(ind, 95)),
      indicators_ratio_to_target: round(percentile(ind, 95) / TARGET_MS, 2),
      month_totals_load_s: round(monthTotals.seconds, 2), month_totals_months: monthTotals.months,
      indicators_first_ask_runs: cold.length,
      indicators_first_ask_p50_ms: round(percentile(cold.sort((a, b) => a - b), 50)), indicators_first_ask_p95_ms: round(percentile(cold, 95)),
      day_chart_p50_ms: round(percentile(day, 50)), day_chart_p95_ms: round(percentile(day, 95)),
      ...(withHourlySum ? { hourly_points_summed_by_day: hourlyPoints, influxql_daily_sum_from_hourly_p50_ms: round(percentile(raw, 50)) } : {}),
    };
  } finally {
    await closeIngestor();
    await stack.close();
  }
}

export async function run(n = 1000, runs = 30): Promise<Figures> {
  const figures: Figures = {
    meters: n, year: String(YEAR),
    loaded: `year ${YEAR}: usage_1d + usage_1h; ${BASE_YEAR}: usage_1d; last 24 h only: raw readings + 15-min usage`,
    target: `indicators ≤ ${TARGET_MS} ms`,
  };
  // A year of daily rollups spread over 52 weekly shards costs influxd one iterator per series and
  // shard; yearly shards answer the same statement about ten times faster.
  const long = await measure(n, runs, null, true);
  for (const [k, v] of Object.entries(long)) figures[`shard52w_${k}`] = v;
  const short = await measure(n, Math.min(runs, 10), '7d', false);
  for (const [k, v] of Object.entries(short)) figures[`shard7d_${k}`] = v;
  return figures;
}

if (isMain(import.meta.url)) {
  const n = Number(process.argv[2] ?? 1000);
  const r = Number(process.argv[3] ?? 30);
  printFigures('query', await run(n > 0 ? n : 1000, r >= 1 ? r : 30));
}
