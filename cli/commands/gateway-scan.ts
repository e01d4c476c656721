import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { t } from '../i18n.ts';
import { createModbusLink, describeTarget, parseUnitIds, targetFromFlags, type LinkTarget } from '../../gateway/drivers/index.ts';
import { scanUnits } from '../../gateway/poll/identify.ts';

const command: Command = {
  summary: ['List the Modbus unit ids that answer on a bus and guess their models', '扫描总线上应答的 Modbus 站号并推测表型'],
  usage: '(--rtu PATH [--baud N] [--parity none|even|odd] | --tcp HOST:PORT | --rtu-over-tcp HOST:PORT) [--ids 1-247] [--timeout MS] [--json]',
  async run(argv) {
    const { values: f } = parseFlags(argv, {
      rtu: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' }, tcp: { type: 'string' },
      'rtu-over-tcp': { type: 'string' }, ids: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
    });
    let target: LinkTarget;
    let ids: number[];
    try {
      target = targetFromFlags(f);
      ids = parseUnitIds(f.ids ?? '1-247');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const timeoutMs = f.timeout === undefined ? 200 : Number(f.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > 60_000) throw new UsageError('--timeout: expected milliseconds, 10–60000');

    const link = createModbusLink(target, { connectTimeoutMs: Math.max(timeoutMs, 2000), reconnectDelayMs: 0 });
    try {
      if (!f.json) console.error(t(`Scanning ${ids.length} unit id(s) on ${describeTarget(target)}…`, `正在扫描 ${describeTarget(target)} 上的 ${ids.length} 个站号…`));
      const hits = await scanUnits(link, ids, timeoutMs);
      if (f.json) {
        console.log(JSON.stringify({ target: describeTarget(target), units: hits }));
      } else if (hits.length === 0) {
        console.log(t('No unit answered.', '没有站号应答。'));
      } else {
        console.log(`${t('unit', '站号').padEnd(6)} ${t('answer', '应答').padEnd(10)} ${t('model guess', '推测表型')}`);
        for (const h of hits) console.log(`${String(h.unitId).padEnd(6)} ${h.answer.padEnd(10)} ${h.models.join(', ') || t('(unknown)', '(未知)')}`);
      }
      return 0;
    } finally {
      await link.close();
    }
  },
};
export default command;
