import { t } from '../i18n.ts';

/** What the DL/T 645, CJ/T 188 and Modbus RTU decoders report for one frame. */
export interface FrameReport {
  protocol: string;
  /** Header fields in print order: address, control code, data identifier, … */
  fields: [string, string][];
  values: { name: string; value: number | string; unit: string; measurement?: string }[];
  error?: string;
  alarms?: string[];
}

/** The form every `gateway decode` entry returns: lines to print, and the --json object. */
export interface Decoded {
  lines: string[];
  json: unknown;
}

// Printed names of the header fields; the --json keys stay as they are.
const LABELS: Record<string, [string, string]> = {
  address: ['address', '地址'], control: ['control', '控制码'], skipped: ['skipped', '跳过'],
  'data identifier': ['data identifier', '数据标识'], 'meter type': ['meter type', '仪表类型'],
  'unit id': ['unit id', '站号'], function: ['function', '功能码'], start: ['start', '起始地址'],
  count: ['count', '数量'], kind: ['kind', '类别'], registers: ['registers', '寄存器数'],
};

export function render(report: FrameReport): Decoded {
  const lines: string[] = [];
  for (const [k, v] of report.fields) {
    const label = LABELS[k] ? t(LABELS[k][0], LABELS[k][1]) : k;
    lines.push(`${label.padEnd(16)} ${v}`);
  }
  for (const v of report.values) lines.push(`${v.name.padEnd(16)} ${String(v.value).padStart(14)} ${v.unit}${v.measurement ? `  → ${v.measurement}` : ''}`);
  if (report.alarms?.length) lines.push(`${t('alarms', '告警').padEnd(16)} ${report.alarms.join(', ')}`);
  if (report.error) lines.push(`${t('error reply', '异常应答').padEnd(16)} ${report.error}`);
  return { lines, json: { ...report, fields: Object.fromEntries(report.fields) } };
}
