import { isMeasurementKey, type EnergyKind } from '../../core/index.ts';
import type { ByteOrder, MeterModel, RegisterDef, RegisterType } from './types.ts';

/** A register as the gateway config's GenericRegisterSchema yields it (after defaults). */
export interface GenericRegister {
  readonly measurement: string;
  readonly fc: 3 | 4;
  readonly address: number;
  readonly type: RegisterType;
  readonly order?: ByteOrder;
  readonly scale?: number;
  readonly offset?: number;
}

export const GENERIC = 'generic';

/**
 * Builds the model of a `generic` meter from its config registers. findModel never returns it:
 * each generic meter carries its own table. Throws on a register the config schema would refuse.
 */
export function genericModel(registers: readonly GenericRegister[], kind: EnergyKind): MeterModel {
  if (registers.length === 0) throw new RangeError('a generic meter needs at least one register');
  const defs: RegisterDef[] = registers.map((r, i) => {
    if (!isMeasurementKey(r.measurement)) throw new RangeError(`registers[${i}]: unknown measurement "${r.measurement}"`);
    const scale = r.scale ?? 1;
    if (scale === 0 || !Number.isFinite(scale)) throw new RangeError(`registers[${i}]: scale must be finite and not 0`);
    if (!Number.isInteger(r.address) || r.address < 0 || r.address > 0xffff) throw new RangeError(`registers[${i}]: address must be 0–65535`);
    return { measurement: r.measurement, fc: r.fc, address: r.address, type: r.type, order: r.order ?? 'ABCD', scale, offset: r.offset ?? 0 };
  });
  return { name: GENERIC, vendor: 'generic', kind, datasheet: 'registers defined in the gateway config', registers: defs,
    provenance: { status: 'datasheet', source: 'registers listed in the gateway config by the installer' } };
}
