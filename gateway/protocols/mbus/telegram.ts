import { APPLICATION_ERRORS, MbusError } from './errors.ts';
import { parseFrame, RSP_UD, toHex, type Frame } from './frame.ts';
import { decodeManufacturer } from './manufacturer.ts';
import { decodeRecords, type DataRecord } from './records.ts';
import { decodeBcd } from './values.ts';

/** EN 13757-3 6.2 / EN 1434-3: CI fields of a slave's answer. */
export const CI = {
  APPLICATION_ERROR: 0x70,
  ALARM: 0x71,
  VARIABLE: 0x72,
  FIXED: 0x73,
  VARIABLE_MSB: 0x76,
  FIXED_MSB: 0x77,
  VARIABLE_NO_HEADER: 0x78,
  VARIABLE_SHORT: 0x7a,
  SELECT: 0x52,
  APPLICATION_RESET: 0x50,
} as const;

/** The identity a slave sends in its long data header: the key of secondary addressing. */
export interface SecondaryId {
  /** Identification number, 8 BCD digits as printed on the meter. */
  readonly id: string;
  readonly manufacturer: string;
  readonly manufacturerCode: number;
  readonly version: number;
  readonly medium: number;
}

export interface Header {
  readonly secondary?: SecondaryId;
  readonly accessNumber: number;
  readonly status: number;
  readonly signature: number;
}

export interface Telegram {
  readonly c: number;
  readonly address: number;
  readonly ci: number;
  readonly structure: 'variable' | 'fixed';
  readonly header: Header;
  readonly records: readonly DataRecord[];
  /** The last record is DIF 1FH: the slave has more records for the next REQ_UD2. */
  readonly moreRecords: boolean;
}

// EN 13757-3:2013 Table 3 (device type / medium), as far as heat, water and their neighbours go.
export const MEDIA: Record<number, string> = {
  0x00: 'Other', 0x01: 'Oil', 0x02: 'Electricity', 0x03: 'Gas', 0x04: 'Heat (outlet)', 0x05: 'Steam',
  0x06: 'Warm water (30–90 °C)', 0x07: 'Water', 0x08: 'Heat cost allocator', 0x09: 'Compressed air',
  0x0a: 'Cooling (outlet)', 0x0b: 'Cooling (inlet)', 0x0c: 'Heat (inlet)', 0x0d: 'Heat / cooling',
  0x0e: 'Bus / system component', 0x0f: 'Unknown medium', 0x15: 'Hot water (≥ 90 °C)', 0x16: 'Cold water',
  0x17: 'Dual register (hot/cold) water', 0x18: 'Pressure', 0x19: 'A/D converter',
};

export function mediumName(code: number): string {
  return MEDIA[code] ?? `medium ${code.toString(16).toUpperCase().padStart(2, '0')}H`;
}

/** Heat meters (outlet, inlet, heat/cooling) and water meters (water, warm, hot, cold, dual). */
export function mediumKind(code: number): 'heat' | 'water' | 'cooling' | 'other' {
  if (code === 0x04 || code === 0x0c || code === 0x0d) return 'heat';
  if (code === 0x0a || code === 0x0b) return 'cooling';
  if (code === 0x06 || code === 0x07 || code === 0x15 || code === 0x16 || code === 0x17) return 'water';
  return 'other';
}

function idDigits(b: Uint8Array): string {
  // 4 BCD bytes, low byte first. A digit above 9 is not a valid identification number.
  const v = decodeBcd(b);
  if (v.kind !== 'number' || v.raw < 0) throw new MbusError('ERR_MBUS_HEADER', `identification number ${toHex(b)} is not 8 BCD digits`);
  return String(v.raw).padStart(8, '0');
}

export function decodeSecondary(b: Uint8Array): SecondaryId {
  const manufacturerCode = b[4]! | (b[5]! << 8);
  return { id: idDigits(b.subarray(0, 4)), manufacturer: decodeManufacturer(manufacturerCode), manufacturerCode, version: b[6]!, medium: b[7]! };
}

/** Decodes the application layer of a long frame (a RSP_UD). */
export function decodeTelegram(frame: Frame): Telegram {
  if (frame.type !== 'long') throw new MbusError('ERR_MBUS_FRAME_UNEXPECTED', `expected a long frame with data, got ${frame.type === 'ack' ? 'E5' : 'a short frame'}`);
  // EN 13757-2 5.5: RSP_UD is 08H, with ACD (20H) and DFC (10H) as the slave sets them.
  if ((frame.c & 0xcf) !== RSP_UD) throw new MbusError('ERR_MBUS_FRAME_UNEXPECTED', `control field ${frame.c.toString(16).toUpperCase()}H is no RSP_UD`);
  const { ci, data } = frame;
  const base = { c: frame.c, address: frame.a, ci };
  switch (ci) {
    case CI.APPLICATION_ERROR: {
      const code = data.length > 0 ? data[0]! : undefined;
      const what = code === undefined ? 'no error code given' : `${code}: ${APPLICATION_ERRORS[code] ?? 'reserved code'}`;
      // A busy slave (08H) may answer next time; every other code will not change on a retry.
      throw new MbusError('ERR_MBUS_APPLICATION', `slave ${frame.a} answered with an application error (${what})`, code === 0x08 ? 'transient' : 'permanent');
    }
    case CI.VARIABLE:
    case CI.VARIABLE_MSB: {
      if (data.length < 12) throw new MbusError('ERR_MBUS_HEADER', `variable data needs a 12-byte header, got ${data.length} byte(s)`);
      const msb = ci === CI.VARIABLE_MSB;
      const h = msb ? reverseHeader(data.subarray(0, 12)) : data.subarray(0, 12);
      const header: Header = { secondary: decodeSecondary(h.subarray(0, 8)), accessNumber: h[8]!, status: h[9]!, signature: h[10]! | (h[11]! << 8) };
      return finish(base, header, decodeRecords(data.subarray(12), msb));
    }
    case CI.VARIABLE_SHORT: {
      if (data.length < 4) throw new MbusError('ERR_MBUS_HEADER', `short header needs 4 bytes, got ${data.length}`);
      const header: Header = { accessNumber: data[0]!, status: data[1]!, signature: data[2]! | (data[3]! << 8) };
      return finish(base, header, decodeRecords(data.subarray(4)));
    }
    case CI.VARIABLE_NO_HEADER:
      return finish(base, { accessNumber: 0, status: 0, signature: 0 }, decodeRecords(data));
    case CI.FIXED:
    case CI.FIXED_MSB:
      return decodeFixed(base, data, ci === CI.FIXED_MSB);
    default:
      throw new MbusError('ERR_MBUS_CI', `CI field ${ci.toString(16).toUpperCase()}H is not a data response this decoder implements (72H, 76H, 78H, 7AH, 73H, 77H)`, 'permanent');
  }
}

function reverseHeader(h: Uint8Array): Buffer {
  // Mode 2 (CI 76H): multi-byte fields most significant byte first.
  const b = Buffer.from(h);
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(10, 12).reverse();
  return b;
}

function finish(base: { c: number; address: number; ci: number }, header: Header, records: DataRecord[]): Telegram {
  const last = records[records.length - 1];
  return { ...base, structure: 'variable', header, records, moreRecords: last?.special === 'more_records' };
}

// EN 1434-3 / M-Bus fixed data structure, units of counters 1 and 2 (6 bits each): the energy and
// volume codes that occur on heat and water meters. Others are reported as unsupported.
const FIXED_UNITS: Record<number, { quantity: 'energy' | 'volume'; unit: string; exponent: number }> = {};
['Wh', '10 Wh', '100 Wh', 'kWh', '10 kWh', '100 kWh', 'MWh', '10 MWh', '100 MWh'].forEach((_, k) => { FIXED_UNITS[0x02 + k] = { quantity: 'energy', unit: 'Wh', exponent: k }; });
['kJ', '10 kJ', '100 kJ', 'MJ', '10 MJ', '100 MJ', 'GJ', '10 GJ', '100 GJ'].forEach((_, k) => { FIXED_UNITS[0x0b + k] = { quantity: 'energy', unit: 'J', exponent: 3 + k }; });
['ml', '10 ml', '100 ml', 'l', '10 l', '100 l', 'm3', '10 m3', '100 m3'].forEach((_, k) => { FIXED_UNITS[0x26 + k] = { quantity: 'volume', unit: 'm³', exponent: k - 6 }; });

function decodeFixed(base: { c: number; address: number; ci: number }, data: Uint8Array, msb: boolean): Telegram {
  // Ident (4, BCD), access number, status, medium/unit (2), counter 1 (4), counter 2 (4).
  if (data.length < 16) throw new MbusError('ERR_MBUS_HEADER', `fixed data structure needs 16 bytes, got ${data.length}`);
  const d = Buffer.from(data);
  if (msb) { d.subarray(0, 4).reverse(); d.subarray(8, 12).reverse(); d.subarray(12, 16).reverse(); }
  const status = d[5]!;
  const medium = ((d[7]! >> 6) << 2) | (d[6]! >> 6);
  const header: Header = {
    secondary: { id: idDigits(d.subarray(0, 4)), manufacturer: '', manufacturerCode: 0, version: 0, medium },
    accessNumber: d[4]!, status, signature: 0,
  };
  // Status bit 7 set: counters are binary; clear: BCD.
  const binary = (status & 0x80) !== 0;
  const records: DataRecord[] = [0, 1].map((k) => {
    const unitCode = d[6 + k]! & 0x3f;
    const u = FIXED_UNITS[unitCode];
    const bytes = d.subarray(8 + 4 * k, 12 + 4 * k);
    return {
      index: k, dif: binary ? 0x04 : 0x0c, dife: [], function: 'instantaneous', storage: k === 0 ? 0 : 1, tariff: 0, subunit: 0,
      vif: 0, vife: [], quantity: u ? u.quantity : 'unsupported', unit: u ? u.unit : '', exponent: u ? u.exponent : 0,
      label: u ? `Counter ${k + 1}` : `Counter ${k + 1} (fixed-structure unit ${unitCode.toString(16).toUpperCase()}H not supported)`,
      value: binary ? { kind: 'number', raw: bytes.readUInt32LE(0) } : decodeBcd(bytes),
    } satisfies DataRecord;
  });
  return { ...base, structure: 'fixed', header, records, moreRecords: false };
}

/** Parses and decodes one RSP_UD given as bytes. */
export function decodeResponse(bytes: Uint8Array): Telegram {
  return decodeTelegram(parseFrame(bytes));
}
