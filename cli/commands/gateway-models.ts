import type { Command } from '../command.ts';
import { parseFlags, UsageError } from '../command.ts';
import { t } from '../i18n.ts';
import { ENERGY_KINDS, type MeasurementKey } from '../../core/index.ts';
import { ALL_MODELS, modelProtocol, type AnyModel } from '../../gateway/models/index.ts';

/** The measurements a model of any protocol publishes. */
function measurements(m: AnyModel): MeasurementKey[] {
  const keys = 'registers' in m ? m.registers.map((r) => r.measurement)
    : 'items' in m ? m.items.map((i) => i.measurement)
      : Object.values(m.fields).filter((k): k is MeasurementKey => k !== undefined);
  return [...new Set(keys)];
}

const command: Command = {
  summary: ['List the meter models the gateway can read, and what each was checked against', '列出网关支持的表型号及其核对依据'],
  usage: '[--protocol modbus|dlt645|cjt188|…] [--json]',
  async run(argv) {
    const { values: f } = parseFlags(argv, { json: { type: 'boolean' }, protocol: { type: 'string' } });
    const protocols = [...new Set(ALL_MODELS.map(modelProtocol))];
    if (f.protocol !== undefined && !protocols.includes(f.protocol as never)) throw new UsageError(`--protocol: expected one of ${protocols.join(', ')}`);
    const rows = ALL_MODELS.filter((m) => f.protocol === undefined || modelProtocol(m) === f.protocol).map((m) => ({
      name: m.name, protocol: modelProtocol(m), vendor: m.vendor, kind: m.kind, datasheet: m.datasheet,
      provenance: m.provenance, measurements: measurements(m),
    }));
    if (f.json) {
      console.log(JSON.stringify(rows));
      return 0;
    }
    console.log(`${t('model', '型号').padEnd(18)} ${t('protocol', '协议').padEnd(8)} ${t('vendor', '厂商').padEnd(28)} ${t('kind', '类别').padEnd(12)} ${t('checked against', '核对依据').padEnd(16)} ${t('measurements', '测量量')}`);
    for (const r of rows) {
      const kind = ENERGY_KINDS[r.kind];
      const checked = r.provenance.status === 'captured' ? t('captured bytes', '实测报文') : t('datasheet only', '仅说明书');
      console.log(`${r.name.padEnd(18)} ${r.protocol.padEnd(8)} ${r.vendor.padEnd(28)} ${t(kind.en, kind.zh).padEnd(12)} ${checked.padEnd(16)} ${r.measurements.join(', ')}`);
    }
    const unchecked = rows.filter((r) => r.provenance.status !== 'captured').length;
    console.log(t(`\n${unchecked} of ${rows.length} models are checked against their datasheet only, not yet against bytes from a real meter;`,
      `\n${rows.length} 个型号中有 ${unchecked} 个仅依据说明书，尚未用真实仪表的报文核对；`));
    console.log(t('`gateway read --raw` prints what a capture needs (docs/meter-models.md).', '`gateway read --raw` 会打印提交实测记录所需的内容（见 docs/meter-models.md）。'));
    console.log(t('A meter with `model: generic` takes its registers from the gateway config.',
      '`model: generic` 的表从网关配置中读取寄存器定义。'));
    return 0;
  },
};

export default command;
