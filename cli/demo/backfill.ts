import type { Logger } from 'pino';
import { runBackfill } from '../../simulators/backfill/index.ts';
import { siteTime, type Site } from '../../simulators/building/schema.ts';
import { t } from '../i18n.ts';

/**
 * The demo's history, backfilled in the background while the live part runs. History older than a
 * year goes in hourly steps: nobody reads it at 15 minutes, and it is four times fewer readings.
 */
export function startDemoBackfill(opts: { site: Site; from: string; mqttUrl: string; password: string; log: Logger; truthTotalsFile?: string; onDone(readings: number): void }): { stop(): Promise<void> } {
  const abort = new AbortController();
  const to = Date.now();
  const yearAgo = Math.floor((to - 365 * 86_400_000) / 3_600_000) * 3_600_000;
  console.log(`${t('Backfill', '历史回填')}: ${opts.from} → ${t('now', '现在')}`);
  let lastPrint = 0;
  const run = runBackfill({
    site: opts.site, from: siteTime(opts.from, opts.site.utcOffsetHours), to,
    stepMs: 900_000, coarseStepMs: 3_600_000, coarseBefore: yearAgo,
    ingestor: { url: opts.mqttUrl, username: opts.site.gateway, password: opts.password },
    signal: abort.signal,
    truthTotalsFile: opts.truthTotalsFile,
    onProgress: (p) => {
      if (!p.done && Date.now() - lastPrint < 2000) return;
      lastPrint = Date.now();
      console.log(`${t('Backfill', '历史回填')}: ${new Date(p.at).toISOString().slice(0, 10)} ${p.readings} ${t('readings', '条读数')} (${Math.round(p.rate)}/s)`);
    },
  }).then((p) => {
    if (!p.done) return;
    console.log(`${t('Backfill done', '历史回填完成')}: ${p.readings} ${t('readings in', '条读数，用时')} ${(p.elapsedMs / 1000).toFixed(1)} s (${Math.round(p.rate)}/s)`);
    opts.onDone(p.readings);
  }, (err: Error) => {
    if (!abort.signal.aborted) opts.log.error({ err }, 'backfill failed');
    console.error(`${t('Backfill failed', '历史回填失败')}: ${err.message}`);
  });
  return {
    async stop() {
      abort.abort();
      await run;
    },
  };
}
