import { readFileSync } from 'node:fs';
import { UsageError } from '../command.ts';
import type { LinkTarget } from '../../gateway/drivers/modbus-link.ts';
import { SERIAL_PROTOCOLS, isSerialProtocol, type SerialProtocolName } from '../../gateway/protocols/registry.ts';

export interface SerialFlags {
  protocol?: string | undefined;
  rtu?: string | undefined;
  baud?: string | undefined;
  parity?: string | undefined;
  tcp?: string | undefined;
  'rtu-over-tcp'?: string | undefined;
}

export function serialProtocol(p: string): SerialProtocolName {
  if (!isSerialProtocol(p)) throw new UsageError(`--protocol: expected modbus, ${Object.keys(SERIAL_PROTOCOLS).join(' or ')}, got "${p}"`);
  return p;
}

function hostPort(v: string, flag: string): { host: string; port: number } {
  const m = /^([^\s:]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new UsageError(`--${flag}: expected HOST:PORT, got "${v}"`);
  return { host: m[1]!, port };
}

/** `--rtu PATH [--baud N] [--parity P] | --rtu-over-tcp HOST:PORT`, with the protocol's line defaults (2400 8E1). */
export function serialTargetFromFlags(f: SerialFlags, protocol: SerialProtocolName): Exclude<LinkTarget, { type: 'tcp' }> {
  const proto = SERIAL_PROTOCOLS[protocol];
  if (f.tcp !== undefined) throw new UsageError(`--tcp is Modbus TCP; a ${proto.label} meter is reached with --rtu PATH or --rtu-over-tcp HOST:PORT`);
  const given = [f.rtu !== undefined, f['rtu-over-tcp'] !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give exactly one of --rtu PATH, --rtu-over-tcp HOST:PORT');
  if (f['rtu-over-tcp'] !== undefined) return { type: 'rtu-over-tcp', ...hostPort(f['rtu-over-tcp'], 'rtu-over-tcp') };
  const baud = f.baud === undefined ? proto.line.baud : Number(f.baud);
  if (![1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200].includes(baud)) throw new UsageError(`--baud: expected a standard baud rate, got "${f.baud}"`);
  const parity = f.parity ?? proto.line.parity;
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new UsageError(`--parity: expected none, even or odd, got "${parity}"`);
  return { type: 'rtu', path: f.rtu!, baud, parity, dataBits: proto.line.dataBits, stopBits: proto.line.stopBits };
}

/** `--addresses 000000000161,210987654321` or `--addresses FILE` (one per line, # comments). */
export function addressList(spec: string, protocol: SerialProtocolName): string[] {
  const proto = SERIAL_PROTOCOLS[protocol];
  let text = spec;
  if (!/^[0-9,\s]+$/.test(spec)) {
    try {
      text = readFileSync(spec, 'utf8');
    } catch (err) {
      throw new UsageError(`--addresses: "${spec}" is neither a list of addresses nor a readable file (${(err as Error).message})`);
    }
  }
  const out: string[] = [];
  for (const [i, raw] of text.split(/[\n,]/).entries()) {
    const a = raw.replace(/#.*$/, '').trim();
    if (!a) continue;
    const problems = proto.checkMeter({ address: a });
    if (problems.length) throw new UsageError(`--addresses: entry ${i + 1}: ${problems[0]![1]}`);
    out.push(a);
  }
  if (out.length === 0) throw new UsageError('--addresses: no address given');
  return out;
}

/** `0x10`, `16` → a CJ/T 188 meter type. */
export function meterTypeFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0x10 || n > 0xaa) throw new UsageError(`--meter-type: expected a CJ/T 188 meter type such as 0x10 (water) or 0x20 (heat), got "${v}"`);
  return n;
}
