import type { ModbusLink } from '../drivers/link.ts';
import { ModbusExceptionError, ModbusFrameError, ModbusTimeoutError } from '../drivers/errors.ts';
import { guessModels, MODELS, type MeterModel } from '../models/index.ts';

export interface ScanHit {
  unitId: number;
  /** data: registers came back; exception: the unit refused the probe but is there; garbled: a damaged answer. */
  answer: 'data' | 'exception' | 'garbled';
  /** Models whose identify hints all hold, most specific first. */
  models: string[];
}

/**
 * Whether a unit id answers at all. Any answer counts, an exception too: Modbus Application
 * Protocol 1.1b3, clause 7 — a server that receives a request it cannot serve still replies,
 * while an absent address stays silent (Modbus over serial line V1.02, 2.2).
 */
export async function probeUnit(link: ModbusLink, unitId: number, timeoutMs: number): Promise<ScanHit['answer'] | null> {
  let answer: ScanHit['answer'] | null = null;
  // Input registers first (FC 04), then holding registers (FC 03): a meter that keeps its values
  // in only one of them refuses the other with an exception, which already proves it is there.
  for (const fc of [4, 3] as const) {
    try {
      await link.readRegisters(unitId, fc, 0, 1, timeoutMs);
      return 'data';
    } catch (err) {
      if (err instanceof ModbusTimeoutError) return answer;
      if (err instanceof ModbusFrameError) answer ??= 'garbled';
      else if (err instanceof ModbusExceptionError) answer = 'exception';
      else throw err;
    }
  }
  return answer;
}

export async function guessUnitModels(link: ModbusLink, unitId: number, timeoutMs: number, models: readonly MeterModel[] = MODELS): Promise<string[]> {
  const guesses = await guessModels(
    (fc, address, count) => link.readRegisters(unitId, fc, address, count, timeoutMs).catch(() => null),
    models,
  );
  return guesses.map((g) => g.model.name);
}

/** Probes every id in turn (one transaction at a time on the line) and guesses the model of each that answers. */
export async function scanUnits(
  link: ModbusLink, ids: readonly number[], timeoutMs: number, onProbe?: (unitId: number, hit: ScanHit | null) => void,
): Promise<ScanHit[]> {
  const hits: ScanHit[] = [];
  for (const unitId of ids) {
    const answer = await probeUnit(link, unitId, timeoutMs);
    const hit = answer ? { unitId, answer, models: await guessUnitModels(link, unitId, timeoutMs) } : null;
    if (hit) hits.push(hit);
    onProbe?.(unitId, hit);
  }
  return hits;
}
