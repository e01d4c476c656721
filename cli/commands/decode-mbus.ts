import { t } from '../i18n.ts';
import { MEASUREMENTS, type MeasurementKey } from '../../core/index.ts';
import { MBUS_MODELS, MBUS_HEAT, MBUS_WATER, type MbusModel } from '../../gateway/models/mbus.ts';
import {
  decodeTelegram, describeRecord, describeRequest, formatValue, mapRecords, mediumKind, mediumName, parseFrame,
  scaled, type Telegram,
} from '../../gateway/protocols/mbus/index.ts';

/**
 * The M-Bus entry of `gateway decode`: a master's request is described, a slave's RSP_UD decoded
 * record by record (function, storage/tariff/subunit, value with unit, VIF/VIFE meaning) and, with
 * a model (or the generic heat/water model its medium calls for), mapped to measurements.
 */
import type { Decoded } from './decode-report.ts';

function pickMbusModel(t: Telegram, name: string | undefined): MbusModel | undefined {
  if (name) return MBUS_MODELS.find((x) => x.name.toLowerCase() === name.toLowerCase());
  const medium = t.header.secondary?.medium;
  if (medium === undefined) return undefined;
  const kind = mediumKind(medium);
  return kind === 'heat' ? MBUS_HEAT : kind === 'water' ? MBUS_WATER : undefined;
}

export function decodeMbus(bytes: Buffer, modelName: string | undefined): Decoded {
  if (modelName && !MBUS_MODELS.some((m) => m.name.toLowerCase() === modelName.toLowerCase())) {
    // gateway decode turns a RangeError into a usage error.
    throw new RangeError(`--model: unknown M-Bus model "${modelName}" (${MBUS_MODELS.map((x) => x.name).join(', ')})`);
  }
  const frame = parseFrame(bytes);
  const request = frame.type !== 'long' || (frame.c & 0x40) ? describeRequest(frame) : undefined;
  // Master frames (PRM bit 40H set) and E5 are described; a slave's long frame is decoded.
  if (request || frame.type !== 'long') {
    const what = request ?? `short frame C=${frame.type === 'short' ? frame.c.toString(16).toUpperCase() : ''}H`;
    return { lines: [what], json: { protocol: 'mbus', frame: frame.type === 'long' ? { ...frame, data: frame.data.toString('hex') } : frame, request: what } };
  }
  const tg = decodeTelegram(frame);
  const model = pickMbusModel(tg, modelName);
  const lines: string[] = [];
  const h = tg.header;
  const ciName: Record<number, string> = {
    0x72: 'variable data, long header', 0x76: 'variable data, long header, MSB first', 0x7a: 'variable data, short header',
    0x78: 'variable data, no header', 0x73: 'fixed data', 0x77: 'fixed data, MSB first',
  };
  lines.push(`RSP_UD ${t('from primary address', '来自一次地址')} ${tg.address}, CI ${tg.ci.toString(16).toUpperCase()}H (${ciName[tg.ci] ?? ''})`);
  if (h.secondary) {
    const s = h.secondary;
    lines.push(`  ${t('id', '识别号')} ${s.id}  ${t('manufacturer', '厂商')} ${s.manufacturer}  ${t('version', '版本')} ${s.version}  ${t('medium', '介质')} ${mediumName(s.medium)} (${s.medium.toString(16).toUpperCase().padStart(2, '0')}H)`);
  }
  lines.push(`  ${t('access number', '访问号')} ${h.accessNumber}  ${t('status', '状态')} ${h.status.toString(16).toUpperCase().padStart(2, '0')}H${tg.moreRecords ? `  ${t('more records follow (multi-telegram)', '后续还有记录（多帧）')}` : ''}`);
  lines.push(`  ${'#'.padStart(3)}  ${t('function', '功能').padEnd(13)} ${t('st/ta/su', '存储/费率/子单元').padEnd(9)} ${t('value', '值').padEnd(24)} ${t('record', '记录')}`);
  for (const r of tg.records) {
    const where = r.special ? '' : `${r.storage}/${r.tariff}/${r.subunit}`;
    lines.push(`  ${String(r.index).padStart(3)}  ${(r.special ? '' : r.function).padEnd(13)} ${where.padEnd(9)} ${formatValue(r).padEnd(24)} ${describeRecord(r)}`);
  }
  const mapped = model ? mapRecords(tg.records, model.items) : undefined;
  if (model && mapped) {
    lines.push(`${t('measurements (model', '测量值（型号')} ${model.name}${t(')', '）')}:`);
    for (const [k, v] of Object.entries(mapped.values) as [MeasurementKey, number][]) {
      const def = MEASUREMENTS[k];
      lines.push(`  ${k.padEnd(18)} ${String(v).padStart(14)} ${def.unit.padEnd(5)} ${t(def.en, def.zh)}  (${t('record', '记录')} ${mapped.sources[k]})`);
    }
    for (const p of mapped.problems) lines.push(`  ${t('not taken', '未采用')}: ${p}`);
  } else {
    lines.push(t('no model for this medium: records only (pick one with --model)', '该介质无对应型号：仅显示记录（可用 --model 指定）'));
  }
  const json = {
    protocol: 'mbus',
    frame: { c: tg.c, address: tg.address, ci: tg.ci },
    header: h,
    moreRecords: tg.moreRecords,
    records: tg.records.map((r) => ({
      index: r.index, function: r.function, storage: r.storage, tariff: r.tariff, subunit: r.subunit, dif: r.dif, vif: r.vif,
      ...(r.vifExt !== undefined ? { vifExt: r.vifExt } : {}), vife: r.vife, quantity: r.quantity, unit: r.unit, exponent: r.exponent,
      label: describeRecord(r), ...(r.special ? { special: r.special } : {}),
      value: r.value.kind === 'number' ? scaled(r.value.raw, r.exponent) : r.value,
    })),
    ...(model && mapped ? { model: model.name, values: mapped.values, problems: mapped.problems } : {}),
  };
  return { lines, json };
}
