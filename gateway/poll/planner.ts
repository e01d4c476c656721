import type { FunctionCode, MeterModel, ReadLimits, RegisterDef } from '../models/types.ts';
import { REGISTER_WIDTH } from '../models/types.ts';

// Modbus Application Protocol 1.1b3, 6.3/6.4: at most 125 registers per read request.
export const MODBUS_MAX_REGISTERS = 125;
export const DEFAULT_LIMITS: ReadLimits = { maxRegisters: MODBUS_MAX_REGISTERS, maxGap: 48 };

export interface ReadRequest {
  readonly fc: FunctionCode;
  readonly address: number;
  readonly count: number;
  readonly registers: readonly RegisterDef[];
}

export function limitsFor(model: Pick<MeterModel, 'limits'>, override?: Partial<ReadLimits>): ReadLimits {
  const merged = { ...DEFAULT_LIMITS, ...model.limits, ...override };
  return { ...merged, maxRegisters: Math.min(merged.maxRegisters, MODBUS_MAX_REGISTERS) };
}

function crossesBoundary(start: number, end: number, boundaries: readonly number[] | undefined): boolean {
  return (boundaries ?? []).some((b) => b > start && b < end);
}

/**
 * Merges the registers a meter needs into as few requests as the device allows: registers of one
 * function code, sorted by address, are joined while the span stays within maxRegisters, the hole
 * between two wanted registers is at most maxGap, and no boundary is crossed.
 */
export function planReads(registers: readonly RegisterDef[], limits: ReadLimits): ReadRequest[] {
  const requests: ReadRequest[] = [];
  for (const fc of [3, 4] as const) {
    const regs = registers.filter((r) => r.fc === fc).sort((a, b) => a.address - b.address);
    let current: { address: number; end: number; registers: RegisterDef[] } | null = null;
    for (const reg of regs) {
      const end = reg.address + REGISTER_WIDTH[reg.type];
      if (
        current &&
        reg.address - current.end <= limits.maxGap &&
        Math.max(end, current.end) - current.address <= limits.maxRegisters &&
        !crossesBoundary(current.address, Math.max(end, current.end), limits.boundaries)
      ) {
        current.end = Math.max(end, current.end);
        current.registers.push(reg);
        continue;
      }
      if (current) requests.push({ fc, address: current.address, count: current.end - current.address, registers: current.registers });
      current = { address: reg.address, end, registers: [reg] };
    }
    if (current) requests.push({ fc, address: current.address, count: current.end - current.address, registers: current.registers });
  }
  return requests;
}

// ---- Wire efficiency of a plan on a Modbus RTU line -------------------------------------------
// Modbus over Serial Line V1.02, 2.5.1: a read request is address + function + start (2) + count
// (2) + CRC (2) = 8 bytes; the response is address + function + byte count + 2·count data bytes +
// CRC (2) = 5 + 2·count bytes. 2.5.1.1: frames are separated by a silence of at least 3.5
// character times; above 19200 baud a fixed 1.750 ms is recommended.
export const REQUEST_BYTES = 8;
export const RESPONSE_OVERHEAD_BYTES = 5;
const SILENCE_CHARS = 3.5;
const FIXED_SILENCE_MS = 1.75;

export interface SerialLine {
  readonly baud: number;
  /** Bits on the line per byte: start + data + parity + stop (8N1: 10; 8E1, 8O1, 8N2: 11). */
  readonly bitsPerChar: number;
}

export function bitsPerChar(opts: { dataBits?: number; parity?: 'none' | 'even' | 'odd'; stopBits?: number } = {}): number {
  const { dataBits = 8, parity = 'none', stopBits = 1 } = opts;
  return 1 + dataBits + (parity === 'none' ? 0 : 1) + stopBits;
}

/** The inter-frame silence on that line, in ms. */
export function silenceMs(line: SerialLine): number {
  return line.baud > 19200 ? FIXED_SILENCE_MS : (SILENCE_CHARS * line.bitsPerChar * 1000) / line.baud;
}

export interface WireFigures {
  readonly requests: number;
  /** Every byte both ways: requests and responses. */
  readonly bytes: number;
  /** Register data bytes in the responses (2 per register read, wanted or not). */
  readonly payloadBytes: number;
  /** Data bytes of the wanted registers only. */
  readonly usefulBytes: number;
  /** Time the frames occupy the line, without the silences between them. */
  readonly lineTimeMs: number;
  /** The same, with a 3.5-character silence before every frame. */
  readonly lineTimeWithSilenceMs: number;
  /** payloadBytes ÷ bytes: the share of frame time spent on register data. */
  readonly payloadShare: number;
  /** The payload's share of the line time with the silences counted. */
  readonly payloadShareWithSilence: number;
  /** usefulBytes ÷ bytes. */
  readonly usefulShare: number;
}

export function wireFigures(requests: readonly ReadRequest[], line: SerialLine): WireFigures {
  let bytes = 0;
  let payloadBytes = 0;
  let usefulBytes = 0;
  for (const r of requests) {
    bytes += REQUEST_BYTES + RESPONSE_OVERHEAD_BYTES + 2 * r.count;
    payloadBytes += 2 * r.count;
    usefulBytes += r.registers.reduce((n, reg) => n + 2 * REGISTER_WIDTH[reg.type], 0);
  }
  const byteMs = (line.bitsPerChar * 1000) / line.baud;
  const lineTimeMs = bytes * byteMs;
  const lineTimeWithSilenceMs = lineTimeMs + 2 * requests.length * silenceMs(line);
  return {
    requests: requests.length,
    bytes,
    payloadBytes,
    usefulBytes,
    lineTimeMs,
    lineTimeWithSilenceMs,
    payloadShare: bytes ? payloadBytes / bytes : 0,
    payloadShareWithSilence: lineTimeWithSilenceMs ? (payloadBytes * byteMs) / lineTimeWithSilenceMs : 0,
    usefulShare: bytes ? usefulBytes / bytes : 0,
  };
}

/** The naive plan a poller without merging sends: one request per value. */
export function onePerValue(registers: readonly RegisterDef[]): ReadRequest[] {
  return [...registers]
    .sort((a, b) => a.fc - b.fc || a.address - b.address)
    .map((r) => ({ fc: r.fc, address: r.address, count: REGISTER_WIDTH[r.type], registers: [r] }));
}

/** The planned read of a model against one value per request, on the same line. */
export function wireEfficiency(
  model: Pick<MeterModel, 'registers' | 'limits'>, line: SerialLine, override?: Partial<ReadLimits>,
): { plan: ReadRequest[]; planned: WireFigures; onePerValue: WireFigures } {
  const plan = planReads(model.registers, limitsFor(model, override));
  return { plan, planned: wireFigures(plan, line), onePerValue: wireFigures(onePerValue(model.registers), line) };
}
