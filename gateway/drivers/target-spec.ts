import type { LinkTarget } from './modbus-link.ts';

export interface TargetFlags {
  rtu?: string | undefined;
  baud?: string | undefined;
  parity?: string | undefined;
  tcp?: string | undefined;
  'rtu-over-tcp'?: string | undefined;
}

function hostPort(v: string, flag: string): { host: string; port: number } {
  const m = /^([^\s:]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new RangeError(`--${flag}: expected HOST:PORT, got "${v}"`);
  return { host: m[1]!, port };
}

/** The one link a commissioning command talks to, from `--rtu PATH --baud N | --tcp H:P | --rtu-over-tcp H:P`. */
export function targetFromFlags(f: TargetFlags): LinkTarget {
  const given = [f.rtu !== undefined, f.tcp !== undefined, f['rtu-over-tcp'] !== undefined].filter(Boolean).length;
  if (given !== 1) throw new RangeError('give exactly one of --rtu PATH, --tcp HOST:PORT, --rtu-over-tcp HOST:PORT');
  if (f.tcp !== undefined) return { type: 'tcp', ...hostPort(f.tcp, 'tcp') };
  if (f['rtu-over-tcp'] !== undefined) return { type: 'rtu-over-tcp', ...hostPort(f['rtu-over-tcp'], 'rtu-over-tcp') };
  const baud = f.baud === undefined ? 9600 : Number(f.baud);
  if (![1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200].includes(baud)) throw new RangeError(`--baud: expected a standard baud rate, got "${f.baud}"`);
  const parity = f.parity ?? 'none';
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new RangeError(`--parity: expected none, even or odd, got "${parity}"`);
  return { type: 'rtu', path: f.rtu!, baud, parity };
}

/** `1-247`, `1,3,10-12` → sorted unit ids within 1–247. */
export function parseUnitIds(spec: string): number[] {
  const ids = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new RangeError(`--ids: cannot read "${part}" (expected e.g. 1-247 or 1,3,10-12)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    // Modbus over serial line V1.02, 2.2: individual slave addresses are 1–247.
    if (a < 1 || b > 247 || a > b) throw new RangeError(`--ids: "${part.trim()}" is outside 1–247`);
    for (let i = a; i <= b; i++) ids.add(i);
  }
  return [...ids].sort((x, y) => x - y);
}
