import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { t } from '../i18n.ts';
import { FACILITIES, ZONES, ZmError, type Facility } from '../../core/index.ts';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/config.ts';
import { findModel } from '../../gateway/models/index.ts';
import { checkGatewayConfig } from '../../gateway/poll/config-checks.ts';
import { preflight } from '../../gateway/preflight.ts';
import { printFindings, printRefused } from './gateway-findings.ts';

function where(b: GatewayConfig['buses'][number]): string {
  switch (b.type) {
    case 'rtu': return `${b.path} ${b.baud} ${b.dataBits}${b.parity[0]!.toUpperCase()}${b.stopBits}`;
    case 'mqtt': return b.url;
    default: return `${b.host}:${b.port}`;
  }
}

function summary(cfg: GatewayConfig): void {
  console.log(t(`${cfg.site}/${cfg.gateway} (building ${cfg.building}): ${cfg.buses.length} bus(es), ${cfg.meters.length} meter(s)`,
    `${cfg.site}/${cfg.gateway}（建筑 ${cfg.building}）：${cfg.buses.length} 条总线，${cfg.meters.length} 块表`));
  console.log(t('Buses:', '总线：'));
  for (const b of cfg.buses) {
    console.log(`  ${b.id.padEnd(16)} ${b.type.padEnd(13)} ${where(b).padEnd(28)} ${cfg.meters.filter((m) => m.bus === b.id).length} ${t('meter(s)', '块表')}`);
  }
  const kindOf = (m: GatewayConfig['meters'][number]) => m.kind ?? findModel(m.model)?.kind ?? 'other';
  const kinds = [...new Set(cfg.meters.map(kindOf))];
  console.log(t('Meters per zone and kind:', '各区域、各能源种类的表数：'));
  console.log(`  ${''.padEnd(16)} ${kinds.map((k) => k.padStart(12)).join('')}`);
  for (const zone of Object.keys(ZONES) as (keyof typeof ZONES)[]) {
    const row = kinds.map((k) => String(cfg.meters.filter((m) => m.zone === zone && kindOf(m) === k).length).padStart(12)).join('');
    console.log(`  ${t(zone, ZONES[zone].zh).padEnd(16)} ${row}`);
  }
  const facilities = Object.keys(FACILITIES) as Facility[];
  const covered = facilities.filter((f) => cfg.meters.some((m) => m.facility === f));
  console.log(`${t('Facilities metered', '已计量的设施')}: ${covered.map((f) => t(f, FACILITIES[f].zh)).join(', ') || '—'}`);
  const mains = cfg.meters.filter((m) => m.role === 'main');
  console.log(`${t('Main meters', '总表')}: ${mains.map((m) => `${m.id} (${kindOf(m)}, ${cfg.meters.filter((s) => s.parent === m.id).length} ${t('sub-meters', '块分表')})`).join(', ') || '—'}`);
}

const command: Command = {
  summary: ['Check a gateway config and print every problem with its path', '检查网关配置，逐条列出问题及其位置'],
  usage: '-c FILE',
  async run(argv) {
    const { values: f } = parseFlags(argv, { config: { type: 'string', short: 'c' } });
    if (!f.config) throw new UsageError('-c FILE is required');
    let cfg: GatewayConfig;
    try {
      cfg = loadGatewayConfig(f.config, {});
    } catch (err) {
      if (!(err instanceof ZmError)) throw err;
      console.error(err.message);
      for (const line of err.details ?? []) console.error(`  ${line}`);
      return 1;
    }
    // This machine as `gateway run` would find it: journal folder and volume, health address.
    const errors = printFindings([...checkGatewayConfig(cfg), ...await preflight(cfg)]);
    if (errors > 0) {
      printRefused(f.config, errors);
      return 1;
    }
    console.log(t(`${f.config}: OK`, `${f.config}：通过`));
    summary(cfg);
    return 0;
  },
};
export default command;
