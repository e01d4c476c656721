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
