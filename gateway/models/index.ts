import type { MeterModel } from './types.ts';
import { SDM630 } from './eastron.ts';

export const MODELS: readonly MeterModel[] = [SDM630];

const byName = new Map(MODELS.map((m) => [m.name.toLowerCase(), m]));

export function findModel(name: string): MeterModel | undefined {
  return byName.get(name.toLowerCase());
}

export type { MeterModel, RegisterDef, ReadLimits } from './types.ts';
