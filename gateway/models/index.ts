import type { MeterModel } from './types.ts';
import { SDM120, SDM630, SDM72DM_V2 } from './eastron.ts';
import { DTSU666 } from './chint.ts';
import { ADW300 } from './acrel.ts';
import { IEM3000 } from './schneider.ts';
import { B23 } from './abb.ts';
import { DVH4013 } from './dzg.ts';
import { XINTAI_WATER } from './xintai.ts';
import { TUF2000M, TUF2000M_HEAT } from './tuf2000.ts';
import { CF_ECHO_II } from './itron.ts';
import { SUPERCAL531 } from './sontex.ts';
import { guessModels as guessAmong, type ModelGuess, type ReadRegisters } from './identify.ts';

export const MODELS: readonly MeterModel[] = [
  SDM630, SDM120, SDM72DM_V2, DTSU666, ADW300, IEM3000, B23, DVH4013,
  XINTAI_WATER, TUF2000M,
  TUF2000M_HEAT, CF_ECHO_II, SUPERCAL531,
];

const byName = new Map(MODELS.map((m) => [m.name.toLowerCase(), m]));

/** The fixed model of that name (case-insensitive). `generic` is not one: see genericModel. */
export function findModel(name: string): MeterModel | undefined {
  return byName.get(name.toLowerCase());
}

/**
 * guessModels(read, models = MODELS): Promise<ModelGuess[]> — for a bus scan. `read(fc, address,
 * count)` reads registers from the device being scanned (wire-order bytes, or null on an
 * exception/timeout); the result lists the models whose identify hints all hold, most hints first.
 */
export function guessModels(read: ReadRegisters, models: readonly MeterModel[] = MODELS): Promise<ModelGuess[]> {
  return guessAmong(read, models);
}

export { GENERIC, type GenericRegister } from './generic.ts';
export { genericModel } from './check.ts';
export { decodeRegister, encodeRegister } from './decode.ts';
export { REGISTER_WIDTH } from './types.ts';
export type { ModelGuess, ReadRegisters } from './identify.ts';
export type { MeterModel, RegisterDef, ReadLimits, ByteOrder, RegisterType, IdentifyHint } from './types.ts';

// ---- Models of the other serial protocols (DL/T 645-2007, CJ/T 188) ------------------------
import type { Cjt188Model, Dlt645Model } from './types.ts';
import { DLT645_MODELS } from './dlt645.ts';
import { CJT188_MODELS } from './cjt188-vendors.ts';

export { DLT645_MODELS, DLT645_ITEMS } from './dlt645.ts';
export { CJT188_MODELS } from './cjt188-vendors.ts';
export type { Provenance, Dlt645Model, Dlt645Item, Cjt188Model, Cjt188Field, SerialProtocol } from './types.ts';
// Wired M-Bus (EN 13757-3).
import { MBUS_MODELS, type MbusModel } from './mbus.ts';
export { MBUS_MODELS } from './mbus.ts';
export type { MbusModel, MbusItem, MbusLayoutRecord, MbusQuantity } from './mbus.ts';

/** Every model of every protocol, for listings and the one invariants check. */
export type AnyModel = (MeterModel & { protocol?: undefined }) | Dlt645Model | Cjt188Model | MbusModel;
export const ALL_MODELS: readonly AnyModel[] = [...MODELS, ...DLT645_MODELS, ...CJT188_MODELS, ...MBUS_MODELS];

/** `modbus` for a register-table model, else the model's own protocol. */
export const modelProtocol = (m: AnyModel): 'modbus' | 'dlt645' | 'cjt188' | 'mbus' => m.protocol ?? 'modbus';
