// Dashboard first render on loopback: navigation start → live figures and indicator cards drawn,
// measured in Chromium from the page's own performance marks, against the demo site; plus the
// built asset sizes (raw and gzip), since the page is meant to stay light enough for a phone.
// Run: npx tsx test/bench/dashboard.bench.ts
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { freePort } from '../../cli/ports.ts';
import { spineSetup } from '../../cli/demo/spine.ts';
import { buildDashboard } from '../../dashboard/build.ts';
import { build as buildGateway } from '../../gateway/app.ts';
import { build as buildIngestor } from '../../ingestor/app.ts';
import { launchChromium } from '../support/browser.ts';
import { startBenchInfluxd } from './stack.ts';
import { isMain, percentile, printFigures, round, sleep, tempDir, type Figures } from './support.ts';

const RUNS = 7;

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  const influx = await startBenchInfluxd('zm-dash-bench-');
  const tmp = tempDir('zm-dash-bench-');
  const log = pino({ level: 'silent' });
  const stops: (() => Promise<void>)[] = [];
  try {
    const env = { ZM_HTTP_PORT: String(await freePort()), ZM_MQTT_PORT: String(await freePort()), ZM_GATEWAY_HTTP: `127.0.0.1:${await freePort()}` };
    const setup = await spineSetup({ varDir: tmp.dir, influxUrl: influx.influxd.url, env, log });
    stops.push(() => setup.sim.close());
    const built = await buildDashboard(path.join(tmp.dir, 'dist'));
    for (const [file, bytes] of Object.entries(built.sizes)) {
      figures[`${file}.kib`] = round(bytes / 1024);
      figures[`${file}.gzip_kib`] = round(gzipSync(readFileSync(path.join(built.dir, file))).length / 1024);
    }
    const ingestor = await buildIngestor(setup.ingestor, { log, dashboardDir: built.dir });
    stops.push(() => ingestor.close());
    const url = await ingestor.listen();
    const gateway = await buildGateway(setup.gateway, { log });
    stops.push(() => gateway.close());
    await gateway.start();
    // Wait until every meter has been heard from, so the first render has something to draw.
    for (let i = 0; i < 150; i++) {
      const { meters } = (await (await fetch(`${url}/api/v1/meters`)).json()) as { meters: { last_reading: unknown }[] };
      if (meters.length && meters.every((m) => m.last_reading)) break;
      await sleep(200);
    }
    const chromium = await launchChromium();
    stops.push(() => chromium.close());
    const live: number[] = [];
    const cards: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // A fresh context each time: nothing cached, as on a first visit.
      const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${url}/`);
      // A string, not a function: tsx would wrap a named arrow in a helper the page does not have.
      await page.waitForFunction(`performance.getEntriesByName('zm:live').length > 0 && performance.getEntriesByName('zm:cards').length > 0`, undefined, { timeout: 5_000 }).catch(() => undefined);
      const marks = (await page.evaluate(`({ live: performance.getEntriesByName('zm:live')[0]?.startTime ?? null, cards: performance.getEntriesByName('zm:cards')[0]?.startTime ?? null })`)) as { live: number | null; cards: number | null };
      if (marks.live !== null) live.push(marks.live);
      if (marks.cards !== null) cards.push(marks.cards);
      await ctx.close();
    }
    const sum = (name: string, xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      figures[`${name}.median_ms`] = s.length ? round(percentile(s, 50)) : 'n/a';
      figures[`${name}.max_ms`] = s.length ? round(s.at(-1)!) : 'n/a';
    };
    sum('first_live_render', live);
    // The indicator cards need the site report; an ingestor without a registry has none to draw.
    sum('first_cards_render', cards);
    figures.runs = RUNS;
    return figures;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await influx.close();
    tmp.remove();
  }
}

if (isMain(import.meta.url)) printFigures('dashboard', await run());
