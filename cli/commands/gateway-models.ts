import type { Command } from '../command.ts';
import { parseFlags } from '../command.ts';
import { t } from '../i18n.ts';
import { ENERGY_KINDS } from '../../core/index.ts';
import { MODELS } from '../../gateway/models/index.ts';

const command: Command = {
  summary: ['List the meter models the gateway can read', '列出网关支持的表型号'],
  usage: '[--json]',
  async run(argv) {
    const { values: f } = parseFlags(argv, { json: { type: 'boolean' } });
    const rows = MODELS.map((m) => ({
      name: m.name, vendor: m.vendor, kind: m.kind, datasheet: m.datasheet,
      measurements: m.registers.map((r) => r.measurement),
    }));
    if (f.json) {
      console.log(JSON.stringify(rows));
      return 0;
    }
    for (const r of rows) {
      const kind = ENERGY_KINDS[r.kind];
      console.log(`${r.name.padEnd(14)} ${r.vendor.padEnd(26)} ${t(kind.en, kind.zh).padEnd(12)} ${r.measurements.join(', ')}`);
    }
    console.log(t('\nA meter with `model: generic` takes its registers from the gateway config.',
      '\n`model: generic` 的表从网关配置中读取寄存器定义。'));
    return 0;
  },
};

export default command;
