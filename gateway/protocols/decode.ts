import { DLT645_ITEMS, type Cjt188Model, type Dlt645Item, type Dlt645Model } from '../models/index.ts';
import { MEASUREMENTS } from '../../core/measurements.ts';
import { hex2, hexOf } from './bcd.ts';
import * as D from './dlt645/frame.ts';
import { decodeItem } from './dlt645/values.ts';
import * as C from './cjt188/frame.ts';
import { decodeMetering, layoutFor } from './cjt188/values.ts';
import { findProtocolModel } from './registry.ts';

/** A captured frame explained field by field, for `gateway decode` and tests. */
export interface DecodedFrame {
  protocol: 'dlt645' | 'cjt188';
  address: string;
  control: number;
  /** e.g. "reply to read data (91H)". */
  meaning: string;
  skipped: number;
  di?: string;
  meterType?: number;
  values: { name: string; value: number | string; unit: string; measurement?: string }[];
  error?: string;
  alarms?: string[];
}

const DL_FUNCTIONS: Record<number, string> = { 0x11: 'read data', 0x12: 'read follow-up data', 0x13: 'read address', 0x08: 'broadcast time', 0x14: 'write data' };

/** The standard's identifier table plus the given model's own items. */
function itemFor(di: number, model?: Dlt645Model): Dlt645Item | undefined {
  return model?.items.find((i) => i.di === di) ?? Object.values(DLT645_ITEMS).find((i) => i.di === di);
}

export function decodeDlt645(bytes: Uint8Array, modelName?: string): DecodedFrame {
  const model = modelName ? findProtocolModel('dlt645', modelName) as Dlt645Model | undefined : undefined;
  if (modelName && !model) throw new RangeError(`unknown DL/T 645 model "${modelName}"`);
  const f = D.parseFrame(bytes);
  const fn = f.control & 0x1f;
  const reply = (f.control & D.REPLY) !== 0;
  const abnormal = (f.control & D.ABNORMAL) !== 0;
  const follows = (f.control & D.FOLLOWS) !== 0;
  const meaning = `${reply ? (abnormal ? 'error reply to' : 'reply to') : 'request:'} ${DL_FUNCTIONS[fn] ?? `function ${hex2(fn)}H`} (${hex2(f.control)}H)${follows ? ', more frames follow' : ''}`;
  const out: DecodedFrame = { protocol: 'dlt645', address: f.address, control: f.control, meaning, skipped: f.skipped, values: [] };
  if (reply && abnormal) {
    const word = f.data[0] ?? 0;
    out.error = `error word ${hex2(word)}H: ${D.describeErrorWord(word)}${D.isPermanentError(word) ? ' (permanent)' : ''}`;
    return out;
  }
  if (fn === D.FN_READ_ADDRESS) {
    if (reply) out.values.push({ name: 'address', value: [...f.data].reverse().map(hex2).join(''), unit: '' });
    return out;
  }
  if ((fn === D.FN_READ || fn === D.FN_READ_FOLLOW) && f.data.length >= 4) {
    const di = f.data.readUInt32LE(0);
    out.di = D.diText(di);
    if (!reply) return out;
    let body = f.data.subarray(4);
    if (fn === D.FN_READ_FOLLOW) body = body.subarray(0, Math.max(0, body.length - 1));
    const item = itemFor(di, model);
    if (!item) {
      out.values.push({ name: `DI ${out.di}`, value: hexOf(body), unit: '(raw, identifier not in the table)' });
      return out;
    }
    out.values.push({ name: `DI ${out.di}`, value: decodeItem(item, body), unit: MEASUREMENTS[item.measurement].unit, measurement: item.measurement });
  }
  return out;
}

export function decodeCjt188(bytes: Uint8Array, modelName?: string): DecodedFrame {
  const model = modelName ? findProtocolModel('cjt188', modelName) as Cjt188Model | undefined : undefined;
  if (modelName && !model) throw new RangeError(`unknown CJ/T 188 model "${modelName}"`);
  const f = C.parseFrame(bytes);
  const fn = f.control & 0x3f;
  const reply = (f.control & C.REPLY) !== 0;
  const abnormal = (f.control & C.ABNORMAL) !== 0;
  const names: Record<number, string> = { 0x01: 'read data', 0x03: 'read address', 0x04: 'write data', 0x15: 'write address' };
  const out: DecodedFrame = {
    protocol: 'cjt188', address: f.address, control: f.control, meterType: f.meterType, skipped: f.skipped, values: [],
    meaning: `${reply ? (abnormal ? 'abnormal reply to' : 'reply to') : 'request:'} ${names[fn] ?? `function ${hex2(fn)}H`} (${hex2(f.control)}H), meter type ${hex2(f.meterType)}H (${C.meterTypeKind(f.meterType)})`,
  };
  const di = C.dataDi(f.data);
  if (di) out.di = `${di.di.toString(16).toUpperCase()} (sent ${di.order === '901F' ? '90 1F' : '1F 90'})`;
  if (reply && abnormal) {
    out.error = `abnormal reply, data ${hexOf(f.data)}`;
    return out;
  }
  if (reply && di?.di === C.DI_METERING) {
    const kind = model?.kind ?? C.meterTypeKind(f.meterType);
    const layout = layoutFor(kind === 'heat' ? 'heat' : 'water');
    const m = decodeMetering(f.data, layout, model?.unitFirst === true);
    for (const [field, v] of Object.entries(m.fields)) {
      const measurement = model?.fields[field as keyof typeof model.fields];
      out.values.push({ name: field, value: v.value, unit: v.unit, ...(measurement ? { measurement } : {}) });
    }
    out.values.push({ name: 'meter time', value: m.time ?? 'not kept (FFH)', unit: '' });
    out.values.push({ name: 'status', value: `${hex2(m.status[0])} ${hex2(m.status[1])}`, unit: '' });
    out.alarms = m.alarms;
  }
  if (reply && di?.di === C.DI_ADDRESS) out.values.push({ name: 'address', value: f.address, unit: '' });
  return out;
}
