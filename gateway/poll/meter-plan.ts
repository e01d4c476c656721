import type { MeterConfig } from '../config.ts';
import { findModel, genericModel, GENERIC, type MeterModel } from '../models/index.ts';
import { decodeRegister } from '../models/decode.ts';
import { limitsFor, planReads, type ReadRequest } from './planner.ts';
import type { ModbusLink } from '../drivers/link.ts';
import type { MeasurementKey } from '../../core/index.ts';

/** The model a Modbus meter is read with: a fixed one by name, or its own table for `generic`. */
export function meterModel(meter: Pick<MeterConfig, 'model' | 'registers' | 'kind'>): MeterModel {
  if (meter.model.toLowerCase() === GENERIC) return genericModel(meter.registers ?? [], meter.kind ?? 'other');
  const model = findModel(meter.model);
  if (!model) throw new Error(`unknown model "${meter.model}"`);
  return model;
}

export function meterRequests(meter: Pick<MeterConfig, 'model' | 'registers' | 'kind'>): ReadRequest[] {
  const model = meterModel(meter);
  return planReads(model.registers, limitsFor(model));
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

/** The reader of a Modbus meter on `link`: its model's plan, read in order. */
export function modbusReader(link: ModbusLink, clock: () => number): (meter: Pick<MeterConfig, 'model' | 'registers' | 'kind' | 'unitId'>) => (timeoutMs: number) => ReturnType<typeof readPlan> {
  return (meter) => {
    const requests = meterRequests(meter);
    const unitId = meter.unitId ?? 1;
    return (timeoutMs) => readPlan(link, unitId, requests, timeoutMs, clock);
  };
}
