import { DLT645_MODELS, CJT188_MODELS, MBUS_MODELS, type Cjt188Model, type Dlt645Model, type MbusModel } from '../models/index.ts';

/**
 * The serial protocols other than Modbus, as data the config check, the poller and the CLI
 * share. A new protocol (M-Bus, …) adds one entry here and its reader in readers.ts; nothing
 * in the scheduler depends on which protocol a meter speaks.
 */
export interface LineDefaults {
  readonly baud: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
}

export interface ProtocolInfo<M extends { name: string; kind: string } = { name: string; kind: string }> {
  readonly name: string;
  /** For messages: "DL/T 645-2007". */
  readonly label: string;
  /** Serial settings a line of only these meters gets when the config gives none. */
  readonly line: LineDefaults;
  /** FEH wake-up bytes sent before each request unless the meter sets `preamble`. */
  readonly preamble: number;
  readonly models: readonly M[];
  /** Problems with a meter's protocol-specific keys, each as [key, message]. */
  checkMeter(m: { address?: string | undefined; meterType?: number | undefined; secondary?: string | undefined; preamble?: number | undefined }): [string, string][];
  /** The key that must be unique on one line (the address). */
  lineKey(m: { address?: string | undefined; secondary?: string | undefined }): string | undefined;
}

function findIn<M extends { name: string }>(models: readonly M[], name: string): M | undefined {
  const n = name.toLowerCase();
  return models.find((m) => m.name.toLowerCase() === n);
}

export const DLT645: ProtocolInfo<Dlt645Model> = {
  name: 'dlt645',
  label: 'DL/T 645-2007',
  // DL/T 645-2007 5.x: 2400 bit/s is the default rate, one start bit, 8 data bits, even parity, one stop bit.
  line: { baud: 2400, parity: 'even', dataBits: 8, stopBits: 1 },
  // 4.7: up to four FEH before the frame.
  preamble: 4,
  models: DLT645_MODELS,
  checkMeter(m) {
    if (m.address === undefined) return [['address', 'a DL/T 645 meter needs its 12-digit address (nameplate, 通信地址)']];
    if (!/^[0-9]{12}$/.test(m.address)) return [['address', `expected 12 decimal digits, got "${m.address}"`]];
    if (m.meterType !== undefined) return [['meterType', 'meterType is a CJ/T 188 setting; a DL/T 645 meter has none']];
    return [];
  },
  lineKey: (m) => m.address,
};

export const CJT188: ProtocolInfo<Cjt188Model> = {
  name: 'cjt188',
  label: 'CJ/T 188',
  // CJ/T 188-2004 4.x: 2400 bit/s, 8E1 on its M-Bus/RS-485 interface.
  line: { baud: 2400, parity: 'even', dataBits: 8, stopBits: 1 },
  preamble: 2,
  models: CJT188_MODELS,
  checkMeter(m) {
    const out: [string, string][] = [];
    if (m.address === undefined) out.push(['address', 'a CJ/T 188 meter needs its 14-digit address (nameplate)']);
    else if (!/^[0-9]{14}$/.test(m.address)) out.push(['address', `expected 14 decimal digits, got "${m.address}"`]);
    if (m.meterType !== undefined && !(m.meterType >= 0x10 && m.meterType <= 0x49)) {
      out.push(['meterType', `expected a CJ/T 188 meter type 0x10–0x49 (water 0x10–0x19, heat 0x20–0x29, gas 0x30–0x39), got ${m.meterType}`]);
    }
    return out;
  },
  lineKey: (m) => m.address,
};

export const MBUS: ProtocolInfo<MbusModel> = {
  name: 'mbus',
  label: 'M-Bus (EN 13757)',
  // EN 13757-2: 8 data bits, even parity, 1 stop bit; 2400 bit/s is the usual factory setting
  // (300 and 9600 also occur). Through a level converter or a transparent serial server.
  line: { baud: 2400, parity: 'even', dataBits: 8, stopBits: 1 },
  preamble: 0,
  models: MBUS_MODELS,
  checkMeter(m) {
    const out: [string, string][] = [];
    if (m.address === undefined && m.secondary === undefined) {
      out.push(['address', 'an M-Bus meter needs its primary address 1–250 ("address") or its 8-digit secondary address ("secondary")']);
    }
    if (m.address !== undefined && m.secondary !== undefined) {
      out.push(['secondary', 'give the primary address or the secondary address, not both']);
    }
    // EN 13757-2 5.6: 1–250 are slave addresses; 0 is an unconfigured slave, 251–255 are reserved,
    // network layer (FDH) and broadcast.
    if (m.address !== undefined && !(/^[0-9]{1,3}$/.test(m.address) && Number(m.address) >= 1 && Number(m.address) <= 250)) {
      out.push(['address', `expected a primary address 1–250, got "${m.address}" (a meter at 0 is reached by its secondary address)`]);
    }
    if (m.secondary !== undefined && !/^[0-9]{8}$/.test(m.secondary)) {
      out.push(['secondary', `expected the 8-digit identification number printed on the meter, got "${m.secondary}"`]);
    }
    if (m.meterType !== undefined) out.push(['meterType', 'meterType is a CJ/T 188 setting; an M-Bus meter has none']);
    if (m.preamble !== undefined) out.push(['preamble', 'preamble is a DL/T 645 / CJ/T 188 setting; M-Bus sends none']);
    return out;
  },
  lineKey: (m) => (m.secondary !== undefined ? `secondary ${m.secondary}` : m.address),
};

export const SERIAL_PROTOCOLS = { dlt645: DLT645, cjt188: CJT188, mbus: MBUS } as const;
export type SerialProtocolName = keyof typeof SERIAL_PROTOCOLS;

export function isSerialProtocol(p: string): p is SerialProtocolName {
  return Object.hasOwn(SERIAL_PROTOCOLS, p);
}

export function findProtocolModel(protocol: 'mbus', name: string): MbusModel | undefined;
export function findProtocolModel(protocol: Exclude<SerialProtocolName, 'mbus'>, name: string): Dlt645Model | Cjt188Model | undefined;
export function findProtocolModel(protocol: SerialProtocolName, name: string): Dlt645Model | Cjt188Model | MbusModel | undefined;
export function findProtocolModel(protocol: SerialProtocolName, name: string): Dlt645Model | Cjt188Model | MbusModel | undefined {
  return findIn<Dlt645Model | Cjt188Model | MbusModel>(SERIAL_PROTOCOLS[protocol].models, name);
}
