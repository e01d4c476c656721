import type { EnergyKind, MeasurementKey } from '../../core/index.ts';
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
 * The table of a `generic` meter as a model, unchecked: judge it with checkModel, or take it
 * through genericModel (check.ts), which refuses a wrong one. findModel never returns it: each
 * generic meter carries its own table.
 */
export function genericTable(registers: readonly GenericRegister[], kind: EnergyKind): MeterModel {
  const defs: RegisterDef[] = registers.map((r) => ({
    // Checked by checkModel, which names an unknown key with its path.
    measurement: r.measurement as MeasurementKey,
    fc: r.fc, address: r.address, type: r.type, order: r.order ?? 'ABCD', scale: r.scale ?? 1, offset: r.offset ?? 0,
  }));
  return { name: GENERIC, vendor: 'generic', kind, datasheet: 'registers defined in the gateway config', registers: defs,
    provenance: { status: 'datasheet', source: 'registers listed in the gateway config by the installer' } };
}
