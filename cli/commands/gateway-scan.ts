import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { t } from '../i18n.ts';
import { createModbusLink, describeTarget, parseUnitIds, targetFromFlags, type LinkTarget } from '../../gateway/drivers/index.ts';
import { scanUnits } from '../../gateway/poll/identify.ts';
import { createFrameLink } from '../../gateway/drivers/frame-link.ts';
import { findAlone, probeAddresses, type ScanHit } from '../../gateway/protocols/commission.ts';
import { SERIAL_PROTOCOLS } from '../../gateway/protocols/registry.ts';
import { addressList, meterTypeFlag, serialProtocol, serialTargetFromFlags } from './serial-target.ts';

const command: Command = {
  summary: ['Find the meters that answer on a bus (Modbus unit ids; DL/T 645 / CJ/T 188 / M-Bus addresses)', '扫描总线上应答的仪表（Modbus 站号；DL/T 645 / CJ/T 188 / M-Bus 地址）'],
  usage: '(--rtu PATH [--baud N] [--parity none|even|odd] | --tcp HOST:PORT | --rtu-over-tcp HOST:PORT) [--ids 1-247] [--timeout MS] [--json]\n' +
    '       --protocol dlt645|cjt188 (--rtu PATH [--baud N] [--parity P] | --rtu-over-tcp HOST:PORT) [--addresses FILE|LIST] [--meter-type 0x10] [--timeout MS] [--json]' +
    '\n' + '       --protocol mbus (--rtu PATH [--baud 2400] [--parity even] | --rtu-over-tcp HOST:PORT) [--addresses 1-250 | --secondary] [--timeout MS] [--json]',
  async run(argv) {
    // M-Bus has its own addressing (primary or secondary) and flags: mbus-commission.ts.
    if (argv.includes('--protocol=mbus') || argv.some((a, i) => a === '--protocol' && argv[i + 1] === 'mbus')) {
      return (await import('./mbus-commission.ts')).scanMbus(argv);
    }
    const { values: f } = parseFlags(argv, {
      rtu: { type: 'string' }, baud: { type: 'string' }, parity: { type: 'string' }, tcp: { type: 'string' },
      'rtu-over-tcp': { type: 'string' }, ids: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
      protocol: { type: 'string' }, addresses: { type: 'string' }, 'meter-type': { type: 'string' },
    });
    if (f.protocol !== undefined && f.protocol !== 'modbus') return scanSerial(f);
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
type ScanFlags = Parameters<typeof serialTargetFromFlags>[0] & { addresses?: string | undefined; timeout?: string | undefined; json?: boolean | undefined; ids?: string | undefined; 'meter-type'?: string | undefined };

/**
 * DL/T 645 / CJ/T 188: without --addresses, the read-address command finds a meter alone on its
 * line; with --addresses, each nameplate address is asked in turn (a shared line).
 */
async function scanSerial(f: ScanFlags & { protocol?: string | undefined }): Promise<number> {
  const named = serialProtocol(f.protocol!);
  if (named !== 'dlt645' && named !== 'cjt188') throw new UsageError(`--protocol ${named}: this scan covers modbus, dlt645 and cjt188`);
  const protocol = named;
  const proto = SERIAL_PROTOCOLS[protocol];
  if (f.ids !== undefined) throw new UsageError(`--ids is for Modbus unit ids; ${proto.label} meters are found by --addresses or the read-address command`);
  const target = serialTargetFromFlags(f, protocol);
  const addresses = f.addresses === undefined ? undefined : addressList(f.addresses, protocol);
  const meterType = meterTypeFlag(f['meter-type']);
  const timeoutMs = f.timeout === undefined ? 1000 : Number(f.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > 60_000) throw new UsageError('--timeout: expected milliseconds, 10–60000');
  const link = createFrameLink(target, { connectTimeoutMs: Math.max(timeoutMs, 2000), reconnectDelayMs: 0 });
  try {
    let hits: ScanHit[];
    if (addresses) {
      if (!f.json) console.error(t(`Asking ${addresses.length} ${proto.label} address(es) on ${describeTarget(target)}…`, `正在 ${describeTarget(target)} 上询问 ${addresses.length} 个 ${proto.label} 地址…`));
      hits = await probeAddresses(protocol, link, addresses, { timeoutMs, ...(meterType === undefined ? {} : { meterType }) });
    } else {
      if (!f.json) console.error(t(`Sending the ${proto.label} read-address command on ${describeTarget(target)} (finds a meter alone on its line)…`, `正在 ${describeTarget(target)} 上发送 ${proto.label} 读地址命令（适用于线上只有一块表）…`));
      const hit = await findAlone(protocol, link, { timeoutMs, ...(meterType === undefined ? {} : { meterType }) });
      hits = hit ? [hit] : [];
    }
    if (f.json) {
      console.log(JSON.stringify({ target: describeTarget(target), protocol, meters: hits }));
    } else if (hits.length === 0) {
      console.log(t('No meter answered.', '没有仪表应答。'));
    } else {
      console.log(`${t('address', '地址').padEnd(16)} ${t('answer', '应答').padEnd(12)} ${t('detail', '说明')}`);
      for (const h of hits) {
        const type = h.meterType === undefined ? '' : `type ${h.meterType.toString(16).toUpperCase()}H `;
        console.log(`${h.address.padEnd(16)} ${h.answer.padEnd(12)} ${type}${h.detail ?? ''}`);
      }
    }
    return 0;
  } catch (err) {
    console.error(`${t('error', '错误')}: ${describeTarget(target)}: ${(err as Error).message}`);
    return 1;
  } finally {
    await link.close();
  }
}

export default command;
