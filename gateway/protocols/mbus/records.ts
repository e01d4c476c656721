import { MbusError } from './errors.ts';
import { describeVife, extensionFB, extensionFD, primaryVif, vifeExponent, type Quantity } from './vif.ts';
import {
  bytesValue, decodeBcd, decodeDateG, decodeDateTimeF, decodeDateTimeI, decodeInt, decodeReal, decodeText, type MbusValue,
} from './values.ts';

/** EN 13757-3 6.3.2: the function field, DIF bits 4–5. */
export type RecordFunction = 'instantaneous' | 'maximum' | 'minimum' | 'error';
const FUNCTIONS: readonly RecordFunction[] = ['instantaneous', 'maximum', 'minimum', 'error'];

export interface DataRecord {
  /** Position in the telegram (0-based), manufacturer data included, as libmbus counts them. */
  readonly index: number;
  readonly dif: number;
  readonly dife: readonly number[];
  readonly function: RecordFunction;
  readonly storage: number;
  readonly tariff: number;
  readonly subunit: number;
  /** VIF byte as sent (with extension bit); FBH/FDH records also carry the extension code in `vifExt`. */
  readonly vif: number;
  readonly vifExt?: number;
  /** Combinable VIFEs after the VIF (and after the FB/FD code), extension bits as sent. */
  readonly vife: readonly number[];
  readonly quantity: Quantity;
  readonly unit: string;
  /** Power of ten of `unit` the raw number is counted in (combinable ×10^n VIFEs included). */
  readonly exponent: number;
  readonly label: string;
  /** Plain-text VIF (7CH/FCH): the unit the meter names itself. */
  readonly customUnit?: string;
  readonly value: MbusValue;
  /** DIF 0FH/1FH: the rest of the telegram is manufacturer data; 1FH also means "more records follow". */
  readonly special?: 'manufacturer' | 'more_records';
}

// EN 13757-3 Table 4: data field (DIF bits 0–3) → length in bytes; D = variable, F = special.
const DATA_LENGTH = [0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -1] as const;
const MAX_DIFE = 10; // EN 13757-3 6.3.3
const MAX_VIFE = 10; // EN 13757-3 6.4.1

/** Decodes the data records of a variable data structure (everything after the data header). */
export function decodeRecords(data: Uint8Array, msbFirst = false): DataRecord[] {
  const out: DataRecord[] = [];
  let i = 0;
  const need = (n: number, what: string) => {
    if (i + n > data.length) {
      throw new MbusError('ERR_MBUS_RECORD', `record ${out.length} ends early: ${what} needs ${n} byte(s) at offset ${i}, ${data.length - i} left`);
    }
  };
  while (i < data.length) {
    const dif = data[i]!;
    // DIF 2FH: idle filler between records (EN 13757-3 6.3.2, Table 6).
    if (dif === 0x2f) { i++; continue; }
    if (dif === 0x0f || dif === 0x1f) {
      const rest = data.subarray(i + 1);
      out.push({
        index: out.length, dif, dife: [], function: 'instantaneous', storage: 0, tariff: 0, subunit: 0, vif: 0, vife: [],
        quantity: 'manufacturer_specific', unit: '', exponent: 0, label: dif === 0x1f ? 'More records follow' : 'Manufacturer specific',
        value: bytesValue(rest), special: dif === 0x1f ? 'more_records' : 'manufacturer',
      });
      break;
    }
    if ((dif & 0x0f) === 0x0f) {
      throw new MbusError('ERR_MBUS_RECORD', `record ${out.length}: special DIF ${dif.toString(16).toUpperCase()}H is not allowed in a response`);
    }
    i++;
    const dife: number[] = [];
    let ext = dif & 0x80;
    while (ext) {
      need(1, 'DIFE');
      if (dife.length === MAX_DIFE) throw new MbusError('ERR_MBUS_DIFE', `record ${out.length} has more than ${MAX_DIFE} DIFEs`);
      const b = data[i++]!;
      dife.push(b);
      ext = b & 0x80;
    }
    // EN 13757-3 6.3.3: storage number LSB in the DIF, then 4 bits per DIFE; tariff 2 bits and
    // subunit 1 bit per DIFE.
    let storage = (dif >> 6) & 1;
    let tariff = 0;
    let subunit = 0;
    dife.forEach((b, k) => {
      storage += (b & 0x0f) * 2 ** (1 + 4 * k);
      tariff += ((b >> 4) & 0x03) * 2 ** (2 * k);
      subunit += ((b >> 6) & 0x01) * 2 ** k;
    });

    need(1, 'VIF');
    const vif = data[i++]!;
    let vifExt: number | undefined;
    let customUnit: string | undefined;
    let vifInfo;
    const vife: number[] = [];
    const readVifes = (first: number) => {
      let more = first & 0x80;
      while (more) {
        need(1, 'VIFE');
        if (vife.length === MAX_VIFE) throw new MbusError('ERR_MBUS_VIFE', `record ${out.length} has more than ${MAX_VIFE} VIFEs`);
        const b = data[i++]!;
        vife.push(b);
        more = b & 0x80;
      }
    };
    if (vif === 0xfb || vif === 0xfd) {
      need(1, 'VIF extension code');
      vifExt = data[i++]!;
      vifInfo = vif === 0xfb ? extensionFB(vifExt) : extensionFD(vifExt);
      readVifes(vifExt);
    } else if ((vif & 0x7f) === 0x7c) {
      // Plain-text VIF: a length byte and the unit in ASCII follow the VIF, before any VIFE.
      need(1, 'plain-text VIF length');
      const len = data[i++]!;
      need(len, 'plain-text VIF');
      customUnit = Buffer.from(data.subarray(i, i + len)).reverse().toString('latin1');
      i += len;
      vifInfo = { quantity: 'plain_text' as Quantity, unit: '', exponent: 0, label: customUnit };
      readVifes(vif);
    } else {
      vifInfo = primaryVif(vif);
      readVifes(vif);
    }
    const exponent = vifInfo.exponent + vife.reduce((e, b) => e + vifeExponent(b), 0);

    const code = dif & 0x0f;
    let len: number = DATA_LENGTH[code]!;
    let value: MbusValue;
    if (code === 0x0d) {
      need(1, 'LVAR');
      const lvar = data[i++]!;
      // EN 13757-3 Annex A LVAR: 00–BF text, C0–CF positive BCD, D0–DF negative BCD, E0–EF binary.
      if (lvar <= 0xbf) len = lvar;
      else if (lvar <= 0xdf) len = lvar & 0x0f;
      else if (lvar <= 0xef) len = lvar & 0x0f;
      else throw new MbusError('ERR_MBUS_RECORD', `record ${out.length}: LVAR ${lvar.toString(16).toUpperCase()}H is reserved`);
      need(len, 'variable-length data');
      const b = data.subarray(i, i + len);
      if (lvar <= 0xbf) value = decodeText(b);
      else if (lvar <= 0xdf) {
        const v = decodeBcd(b);
        value = v.kind === 'number' && lvar >= 0xd0 ? { kind: 'number', raw: -v.raw } : v;
      } else value = bytesValue(b);
    } else {
      need(len, `${len}-byte value`);
      let b = data.subarray(i, i + len);
      if (msbFirst && len > 1) b = Buffer.from(b).reverse();
      value = decodeValue(code, vifInfo.quantity, b);
    }
    i += len;
    out.push({
      index: out.length, dif, dife, function: FUNCTIONS[(dif >> 4) & 0x03]!, storage, tariff, subunit, vif,
      ...(vifExt !== undefined ? { vifExt } : {}), vife, quantity: vifInfo.quantity, unit: vifInfo.unit, exponent,
      label: vifInfo.label, ...(customUnit !== undefined ? { customUnit } : {}), value,
    });
  }
  return out;
}

function decodeValue(code: number, quantity: Quantity, b: Uint8Array): MbusValue {
  if (b.length === 0) return { kind: 'none' };
  // Dates by their VIF: type G in 2 bytes, F in 4, I in 6 (EN 13757-3 Annex A).
  if (quantity === 'date' && code === 0x02) return decodeDateG(b);
  if (quantity === 'datetime' && code === 0x04) return decodeDateTimeF(b);
  if (quantity === 'datetime' && code === 0x06) return decodeDateTimeI(b);
  if (code === 0x05) return decodeReal(b);
  if (code >= 0x09 && code <= 0x0c) return decodeBcd(b);
  if (code === 0x0e) return decodeBcd(b);
  return decodeInt(b);
}

export function describeRecord(r: DataRecord): string {
  const extra = r.vife.map(describeVife);
  return extra.length ? `${r.label} (${extra.join(', ')})` : r.label;
}
