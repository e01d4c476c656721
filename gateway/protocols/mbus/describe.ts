import { FCB, FCV, REQ_UD1, REQ_UD2, SND_NKE, SND_UD, hex, type Frame } from './frame.ts';
import type { DataRecord } from './records.ts';
import { describeRecord } from './records.ts';
import { scaled } from './values.ts';

/** What a master's frame asks, for `gateway decode` and `--raw` logs (EN 13757-2 5.5). */
export function describeRequest(f: Frame): string | undefined {
  if (f.type === 'ack') return 'E5 (acknowledge)';
  // FCB (20H) and FCV (10H) vary from request to request; the rest names the function.
  const is = (code: number) => (f.c & 0xcf) === (code & 0xcf);
  const fcb = f.c & FCV ? ` FCB=${f.c & FCB ? 1 : 0}` : '';
  const to = `to ${f.a === 0xfd ? 'the selected slave (FDH)' : f.a === 0xfe ? 'every slave (FEH)' : f.a === 0xff ? 'every slave, no answer (FFH)' : `primary address ${f.a}`}`;
  if (f.type === 'short') {
    if (f.c === SND_NKE) return `SND_NKE ${to}`;
    if (is(REQ_UD2)) return `REQ_UD2${fcb} ${to}`;
    if (is(REQ_UD1)) return `REQ_UD1${fcb} ${to}`;
    return `short frame C=${hex(f.c)}H ${to}`;
  }
  if (is(SND_UD)) {
    if (f.ci === 0x52 && f.data.length === 8) {
      const d = f.data;
      const digits = [3, 2, 1, 0].map((i) => hex(d[i]!)).join('');
      return `SND_UD select by secondary address: id ${digits}, manufacturer ${hex(d[5]!)}${hex(d[4]!)}H, version ${hex(d[6]!)}H, medium ${hex(d[7]!)}H (F = any)`;
    }
    return `SND_UD CI=${hex(f.ci)}H ${to}, ${f.data.length} data byte(s)`;
  }
  return undefined;
}

/** A record's value as a person reads it: 37351 kWh rather than 37351000 Wh. */
export function formatValue(r: DataRecord): string {
  const v = r.value;
  switch (v.kind) {
    case 'number': {
      let unit = r.unit;
      let e = r.exponent;
      const up: Record<string, [string, number]> = { Wh: ['kWh', 3], W: ['kW', 3], J: ['MJ', 6], 'J/h': ['MJ/h', 6] };
      const u = up[unit];
      if (u && e >= u[1]) { unit = u[0]; e -= u[1]; }
      return `${scaled(v.raw, e)}${unit ? ` ${unit}` : ''}`;
    }
    case 'date': return v.iso;
    case 'text': return JSON.stringify(v.text);
    case 'bytes': return v.hex || '(none)';
    case 'none': return '(no data)';
    case 'invalid': return `invalid: ${v.reason} [${v.hex}]`;
  }
}

export { describeRecord };
