import type { Dialect } from './dialects.ts';
import { ProtocolError } from './errors.ts';
import { child, children, el, parseXml, text, type XmlNode } from './xml.ts';

/** Guideline clause "身份验证": request → sequence → md5 → result; "心跳": notify → time; data: report / continuous. */
export const MESSAGE_TYPES = ['request', 'sequence', 'md5', 'result', 'notify', 'time', 'report', 'continuous', 'report_ack', 'continuous_ack', 'error'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface FunctionValue {
  id: number;
  coding: string;
  error: string;
  /** null when the value is missing (then `error` is the dialect's missing code). */
  value: number | null;
}
export interface MeterValues {
  id: number;
  name: string;
  functions: FunctionValue[];
}
export interface ItemValue {
  coding: string;
  error: string;
  value: number | null;
}

export type Body =
  | { type: 'request' }
  | { type: 'sequence'; sequence: string }
  | { type: 'md5'; md5: string }
  | { type: 'result'; result: 'pass' | 'fail' }
  | { type: 'notify' }
  | { type: 'time'; time: string }
  | { type: 'report' | 'continuous'; sequence: number; time: string; meters: MeterValues[]; items: ItemValue[] }
  | { type: 'report_ack' | 'continuous_ack'; sequence: number; ack: 'pass' | 'fail'; reason?: string }
  | { type: 'error'; fault: string; message: string };

export interface Message {
  building: string;
  gateway: string;
  body: Body;
}

/** YYYYMMDDHHmmss on a clock `offsetMin` ahead of UTC (the guideline's time format). */
export function guidelineTime(ms: number, offsetMin: number): string {
  return new Date(ms + offsetMin * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function parseGuidelineTime(s: string, offsetMin: number): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) throw new ProtocolError('malformed_xml', `time "${s.slice(0, 40)}" is not YYYYMMDDHHmmss`);
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, se!);
  if (new Date(ms).getUTCDate() !== d) throw new ProtocolError('malformed_xml', `time "${s}" is not a calendar date`);
  return ms - offsetMin * 60_000;
}

const fmt = (v: number): string => String(Number(v.toFixed(6)));

function bodyXml(b: Body): string {
  switch (b.type) {
    case 'request': return el('id_validate', { operation: 'request' });
    case 'sequence': return el('id_validate', { operation: 'sequence' }, text('sequence', b.sequence));
    case 'md5': return el('id_validate', { operation: 'md5' }, text('md5', b.md5));
    case 'result': return el('id_validate', { operation: 'result' }, text('result', b.result));
    case 'notify': return el('heart_beat', { operation: 'notify' });
    case 'time': return el('heart_beat', { operation: 'time' }, text('time', b.time));
    case 'report': case 'continuous':
      return el('data', { operation: b.type },
        text('sequence', b.sequence), text('parser', 'yes'), text('time', b.time),
        ...b.meters.map((m) => el('meter', { id: m.id, name: m.name },
          ...m.functions.map((f) => el('function', { id: f.id, coding: f.coding, error: f.error }, f.value === null ? '' : fmt(f.value))))),
        ...b.items.map((it) => el('item', { coding: it.coding, error: it.error }, it.value === null ? '' : fmt(it.value))));
    case 'report_ack': case 'continuous_ack':
      return el('data', { operation: b.type }, text('sequence', b.sequence), text('ack', b.ack), b.reason ? text('reason', b.reason) : undefined);
    case 'error': return el('error', { operation: b.fault }, text('message', b.message));
  }
}

export function buildXml(d: Dialect, m: Message): string {
  return `<?xml version="1.0" encoding="utf-8"?>${el('root', {}, el('common', {}, text(d.idElement, m.building), text('gateway_id', m.gateway), text('type', m.body.type)), bodyXml(m.body))}`;
}

const req = (n: XmlNode | undefined, what: string): XmlNode => n ?? (() => { throw new ProtocolError('malformed_xml', `missing <${what}>`); })();
const int = (s: string, what: string): number => {
  if (!/^\d{1,10}$/.test(s)) throw new ProtocolError('malformed_xml', `<${what}> "${s.slice(0, 40)}" is not an unsigned integer`);
  return Number(s);
};
const num = (s: string, what: string): number | null => {
  if (s === '') return null;
  const v = Number(s);
  if (!/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s) || !Number.isFinite(v)) throw new ProtocolError('malformed_xml', `${what} "${s.slice(0, 40)}" is not a number`);
  return v;
};

/** Parses and checks a message; anything the guideline does not allow is `malformed_xml` naming the element. */
export function parseMessage(d: Dialect, xml: string, limits: { maxMeters: number }): Message {
  const root = parseXml(xml, { maxElements: limits.maxMeters * 64 + 64, maxDepth: 8 });
  if (root.name !== 'root') throw new ProtocolError('malformed_xml', `root element is <${root.name}>, expected <root>`);
  const common = req(child(root, 'common'), 'common');
  const building = req(child(common, d.idElement), `common/${d.idElement}`).text;
  const gateway = req(child(common, 'gateway_id'), 'common/gateway_id').text;
  const type = req(child(common, 'type'), 'common/type').text as MessageType;
  if (!MESSAGE_TYPES.includes(type)) throw new ProtocolError('malformed_xml', `unknown <type> "${type.slice(0, 40)}"`);
  const op = (name: string) => {
    const n = req(child(root, name), name);
    if (n.attrs.operation !== type) throw new ProtocolError('malformed_xml', `<${name} operation="${n.attrs.operation ?? ''}"> does not match <type>${type}</type>`);
    return n;
  };
  let body: Body;
  switch (type) {
    case 'request': op('id_validate'); body = { type }; break;
    case 'sequence': body = { type, sequence: req(child(op('id_validate'), 'sequence'), 'sequence').text }; break;
    case 'md5': body = { type, md5: req(child(op('id_validate'), 'md5'), 'md5').text }; break;
    case 'result': {
      const r = req(child(op('id_validate'), 'result'), 'result').text;
      if (r !== 'pass' && r !== 'fail') throw new ProtocolError('malformed_xml', `<result> "${r.slice(0, 40)}" is neither pass nor fail`);
      body = { type, result: r };
      break;
    }
    case 'notify': op('heart_beat'); body = { type }; break;
    case 'time': body = { type, time: req(child(op('heart_beat'), 'time'), 'time').text }; break;
    case 'report': case 'continuous': {
      const data = op('data');
      const meters = children(data, 'meter');
      if (meters.length > limits.maxMeters) throw new ProtocolError('malformed_xml', `${meters.length} meters in one message; the limit is ${limits.maxMeters}`);
      body = {
        type,
        sequence: int(req(child(data, 'sequence'), 'sequence').text, 'sequence'),
        time: req(child(data, 'time'), 'time').text,
        meters: meters.map((m) => ({
          id: int(m.attrs.id ?? '', 'meter id'),
          name: m.attrs.name ?? '',
          functions: children(m, 'function').map((f) => ({
            id: int(f.attrs.id ?? '', 'function id'), coding: f.attrs.coding ?? '', error: f.attrs.error ?? '', value: num(f.text, 'function value'),
          })),
        })),
        items: children(data, 'item').map((it) => ({ coding: it.attrs.coding ?? '', error: it.attrs.error ?? '', value: num(it.text, 'item value') })),
      };
      break;
    }
    case 'report_ack': case 'continuous_ack': {
      const data = op('data');
      const ack = req(child(data, 'ack'), 'ack').text;
      if (ack !== 'pass' && ack !== 'fail') throw new ProtocolError('malformed_xml', `<ack> "${ack.slice(0, 40)}" is neither pass nor fail`);
      const reason = child(data, 'reason')?.text;
      body = { type, sequence: int(req(child(data, 'sequence'), 'sequence').text, 'sequence'), ack, ...(reason ? { reason } : {}) };
      break;
    }
    case 'error': {
      const e = req(child(root, 'error'), 'error');
      body = { type, fault: e.attrs.operation ?? '', message: child(e, 'message')?.text ?? '' };
      break;
    }
  }
  return { building, gateway, body };
}
