import type { EnergyKind, MeasurementKey } from '../../core/index.ts';
import type { MeterModel } from '../../gateway/models/index.ts';
import type { ReadLimits, RegisterDef } from '../../gateway/models/types.ts';
import type { SimClock } from './clock.ts';
import type { Fault } from './faults.ts';
import { MeterPhysics, type Inputs, type Values } from './physics.ts';
import { quantize, RegisterMap, wrapPoint, type GapPolicy, type ReadResult } from './register-map.ts';

/** One meter on a simulator: a model (or bare register definitions with a kind) and its start state. */
export interface MeterSpec {
  unitId: number;
  model?: MeterModel;
  /** Used when no model is given. */
  registers?: readonly RegisterDef[];
  kind?: EnergyKind;
  limits?: Partial<ReadLimits>;
  /** Registers inside the map that no definition covers: read 0 (default) or answer exception 02. */
  gaps?: GapPolicy;
  inputs?: Partial<Inputs>;
  counters?: Values;
}

export class SimMeter {
  readonly unitId: number;
  readonly name: string;
  readonly kind: EnergyKind;
  readonly map: RegisterMap;
  private readonly physics: MeterPhysics;
  private stuck: Values | null = null;
  private currentFault: Fault | null = null;

  constructor(spec: MeterSpec, private readonly clock: SimClock, seed: number) {
    if (!Number.isInteger(spec.unitId) || spec.unitId < 1 || spec.unitId > 247) {
      // Modbus over Serial Line V1.02, 2.2: individual addresses are 1–247 (0 is broadcast).
      throw new RangeError(`unit id must be 1–247, got ${spec.unitId}`);
    }
    const registers = spec.model?.registers ?? spec.registers;
    const kind = spec.model?.kind ?? spec.kind;
    if (!registers || !kind) throw new TypeError(`meter ${spec.unitId}: give a model, or registers and a kind`);
    this.unitId = spec.unitId;
    this.name = spec.model?.name ?? `generic ${kind}`;
    this.kind = kind;
    this.map = new RegisterMap(registers, { ...spec.model?.limits, ...spec.limits }, spec.gaps, spec.model?.identify);
    this.physics = new MeterPhysics(kind, seed, spec.unitId, clock.now(), spec.inputs);
    for (const [k, v] of Object.entries(spec.counters ?? {})) this.physics.counters[k as MeasurementKey] = v;
  }

  /** Changes what drives the meter from now on, e.g. `{ power_kw: 12 }`. */
  set(inputs: Partial<Inputs>): this {
    this.physics.set(this.clock.now(), inputs);
    return this;
  }

  setCounter(key: MeasurementKey, value: number): this {
    this.physics.setCounter(this.clock.now(), key, value);
    return this;
  }

  /**
   * Puts a counter `before` units short of the value where its register wraps to 0, and returns
   * that value. Only integer registers wrap; a float counter has no wrap point.
   */
  nearRollover(key: MeasurementKey, before = 1): number {
    const def = this.map.primary().get(key);
    const wrap = def ? wrapPoint(def) : null;
    if (wrap === null) throw new RangeError(`${this.name}: ${key} has no integer register that wraps`);
    this.setCounter(key, wrap - before);
    return wrap;
  }

  /** The values the registers encode at this instant, in measurement units, for every mapped measurement. */
  get(): Values {
    const values = this.snapshot();
    const out: Values = {};
    for (const [key, def] of this.map.primary()) {
      const v = values[key];
      if (v !== undefined) out[key] = quantize(def, v);
    }
    return out;
  }

  /** The physical state behind the registers (unquantised, all of the kind's measurements). */
  state(): Values {
    return this.snapshot();
  }

  /** Freezes the given measurements (all by default) at their present values, like a hung meter. */
  stick(keys?: readonly MeasurementKey[]): this {
    const now = this.physics.values(this.clock.now());
    const pick = keys ?? (Object.keys(now) as MeasurementKey[]);
    this.stuck = Object.fromEntries(pick.filter((k) => now[k] !== undefined).map((k) => [k, now[k]]));
    return this;
  }

  /** Makes one measurement read `value` until unstick(): a counter register gone wrong. */
  misread(key: MeasurementKey, value: number): this {
    this.stuck = { ...this.stuck, [key]: value };
    return this;
  }

  unstick(): this {
    this.stuck = null;
    return this;
  }

  fault(f: Fault | null): this {
    this.currentFault = f ? { ...f } : null;
    return this;
  }

  /** The fault to apply to the request being answered now (counts down `times`). */
  takeFault(): Fault | null {
    const f = this.currentFault;
    if (f?.times !== undefined && --f.times <= 0) this.currentFault = null;
    return f;
  }

  read(fc: number, address: number, count: number): ReadResult {
    return this.map.read(fc, address, count, this.snapshot());
  }

  private snapshot(): Values {
    const values = this.physics.values(this.clock.now());
    return this.stuck ? { ...values, ...this.stuck } : values;
  }
}
