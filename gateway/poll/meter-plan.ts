import type { MeterConfig } from '../config.ts';
import { findModel, type RegisterDef } from '../models/index.ts';
import { decodeRegister } from '../models/decode.ts';
import { limitsFor, planReads, type ReadRequest } from './planner.ts';
import type { ModbusLink } from '../drivers/link.ts';
import type { MeasurementKey } from '../../core/index.ts';

/** The registers a Modbus meter is read with: its model's table, or its own for `generic`. */
export function meterRegisters(meter: Pick<MeterConfig, 'model' | 'registers'>): { registers: readonly RegisterDef[]; requests: ReadRequest[] } {
  if (meter.model === 'generic') {
    const registers = (meter.registers ?? []) as readonly RegisterDef[];
    return { registers, requests: planReads(registers, limitsFor({})) };
  }
  const model = findModel(meter.model);
  if (!model) throw new Error(`unknown model "${meter.model}"`);
  return { registers: model.registers, requests: planReads(model.registers, limitsFor(model)) };
}

export function decodeBlock(req: ReadRequest, block: Buffer, into: Partial<Record<MeasurementKey, number>>): void {
  for (const def of req.registers) into[def.measurement] = decodeRegister(def, block, req.address);
}

/** Reads every request of a plan once, in order; returns the decoded values and when the last answer arrived. */
export async function readPlan(
  link: ModbusLink, unitId: number, requests: readonly ReadRequest[], timeoutMs: number,
  clock: () => number,
): Promise<{ values: Partial<Record<MeasurementKey, number>>; ts: number }> {
  const values: Partial<Record<MeasurementKey, number>> = {};
  let ts = clock();
  for (const req of requests) {
    const block = await link.readRegisters(unitId, req.fc, req.address, req.count, timeoutMs);
    ts = clock();
    decodeBlock(req, block, values);
  }
  return { values, ts };
}
