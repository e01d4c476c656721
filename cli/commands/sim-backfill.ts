import { runBackfill } from '../../simulators/backfill/index.ts';
import { loadSite, siteTime } from '../../simulators/building/schema.ts';
import { parseFlags, UsageError, type Command } from '../command.ts';
import { t } from '../i18n.ts';

const DURATION: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(s: string): number {
  const m = /^(\d+)([mhd])$/.exec(s);
  if (!m) throw new UsageError(`expected a duration like 15m, 1h or 1d, got "${s}"`);
  return Number(m[1]) * DURATION[m[2]!]!;
}

const command: Command = {
  summary: ['Backfill years of simulated history through the ingestor', '通过接收服务回填多年的模拟历史数据'],
  usage: '--site FILE --from 2020-01-01 [--to now] [--ingestor mqtt://127.0.0.1:1883 --username U --password P] [--step 15m] [--coarse-step 1h --coarse-before DATE] [--truth FILE.csv|.jsonl]',
  async run(argv) {
    const { values } = parseFlags(argv, {
      site: { type: 'string' }, from: { type: 'string' }, to: { type: 'string', default: 'now' },
      ingestor: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' },
      step: { type: 'string', default: '15m' }, 'coarse-step': { type: 'string' }, 'coarse-before': { type: 'string' },
      truth: { type: 'string' },
    });
    if (!values.site || !values.from) throw new UsageError('give --site FILE and --from DATE');
    if (!values.ingestor && !values.truth) throw new UsageError('give --ingestor URL, --truth FILE, or both');
    const site = loadSite(values.site);
    const at = (s: string) => (s === 'now' ? Date.now() : siteTime(s, site.utcOffsetHours));
    const result = await runBackfill({
      site, from: at(values.from), to: at(values.to),
      stepMs: parseDuration(values.step),
      ...(values['coarse-step'] ? { coarseStepMs: parseDuration(values['coarse-step']), coarseBefore: at(values['coarse-before'] ?? values.to) } : {}),
      ...(values.ingestor ? { ingestor: { url: values.ingestor, username: values.username, password: values.password } } : {}),
      ...(values.truth ? { truthFile: values.truth } : {}),
      onProgress: (p) => console.log(`${new Date(p.at).toISOString().slice(0, 10)}  ${p.readings} ${t('readings', '条读数')}  ${Math.round(p.rate)}/s`),
    });
    console.log(`${t('Done', '完成')}: ${result.readings} ${t('readings', '条读数')} ${t('in', '用时')} ${(result.elapsedMs / 1000).toFixed(1)} s (${Math.round(result.rate)}/s)`);
    return 0;
  },
};
export default command;
