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

export function render(report: FrameReport): Decoded {
  const lines: string[] = [];
  for (const [k, v] of report.fields) lines.push(`${k.padEnd(16)} ${v}`);
  for (const v of report.values) lines.push(`${v.name.padEnd(16)} ${String(v.value).padStart(14)} ${v.unit}${v.measurement ? `  → ${v.measurement}` : ''}`);
  if (report.alarms?.length) lines.push(`${t('alarms', '告警').padEnd(16)} ${report.alarms.join(', ')}`);
  if (report.error) lines.push(`${t('error reply', '异常应答').padEnd(16)} ${report.error}`);
  return { lines, json: { ...report, fields: Object.fromEntries(report.fields) } };
}
