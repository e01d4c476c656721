import type { EnergyKind, MeasurementKey } from '../../core/index.ts';
import { channel, noise } from './random.ts';

/** A value that is constant or a function of simulated time (ms since the epoch). */
export type Profile = number | ((t: number) => number);

/** What drives a meter: everything else (counters, currents, heat power) follows from these. */
export interface Inputs {
  /** Total active power, kW; negative means export. */
  power_kw: Profile;
  /** Signed: negative is capacitive (reactive power flows the other way). */
  power_factor: Profile;
  /** Nominal phase-to-neutral voltage; the served value carries ±0.5 % noise. */
  voltage_v: Profile;
  frequency_hz: Profile;
  /** m³/h; negative is reverse flow. */
  flow_m3h: Profile;
  supply_temp_c: Profile;
  return_temp_c: Profile;
}
export type InputKey = keyof Inputs;
export const INPUT_KEYS: readonly InputKey[] = ['power_kw', 'power_factor', 'voltage_v', 'frequency_hz', 'flow_m3h', 'supply_temp_c', 'return_temp_c'];

export const DEFAULT_INPUTS: Inputs = {
  power_kw: 0, power_factor: 0.95, voltage_v: 230, frequency_hz: 50,
  flow_m3h: 0, supply_temp_c: 70, return_temp_c: 50,
};

// Specific heat of water × density over 3600 s: 4.187 kJ/(kg·K) × 1000 kg/m³ / 3600 s/h ≈ 1.163
// kWh per m³ per K — the constant EN 1434 heat meters and the usual rule of thumb use.
export const WATER_HEAT_KWH_PER_M3K = 1.163;

export type Values = Partial<Record<MeasurementKey, number>>;

const at = (p: Profile, t: number): number => (typeof p === 'number' ? p : p(t));
const HOUR_MS = 3_600_000;
// A profile given as a function is integrated with the trapezoid rule on steps of at most a minute
// (exact for piecewise-linear profiles at that resolution); constants are integrated exactly.
const STEP_MS = 60_000;
const MAX_STEPS = 100_000;

/** Rates of every counter at one instant, per hour. */
function rates(kind: EnergyKind, inp: Inputs, t: number): Values {
  switch (kind) {
    case 'electricity': {
      const p = at(inp.power_kw, t);
      const q = reactive(p, at(inp.power_factor, t));
      return {
        energy_import_kwh: Math.max(p, 0), energy_export_kwh: Math.max(-p, 0),
        reactive_energy_import_kvarh: Math.max(q, 0), reactive_energy_export_kvarh: Math.max(-q, 0),
      };
    }
    case 'water':
    case 'heat':
    case 'cooling': {
      // A heat meter is a water meter with two temperature sensors; a combined heat/cooling meter
      // (e.g. Itron CF Echo II) books heat while supply is warmer than return and cooling otherwise.
      const f = at(inp.flow_m3h, t);
      const k = heatPower('heat', f, at(inp.supply_temp_c, t), at(inp.return_temp_c, t));
      return {
        volume_m3: Math.max(f, 0), reverse_volume_m3: Math.max(-f, 0),
        heat_energy_kwh: Math.max(k, 0), cooling_energy_kwh: Math.max(-k, 0),
      };
    }
    case 'gas':
      return { gas_volume_m3: Math.max(at(inp.flow_m3h, t), 0) };
    case 'other':
      return {};
  }
}

function reactive(p: number, pf: number): number {
  const s = Math.abs(p) / Math.max(Math.abs(pf), 1e-6);
  return Math.sign(pf) * Math.sqrt(Math.max(s * s - p * p, 0));
}

/** Heat power, kW: flow (m³/h) × ΔT (K) × 1.163; cooling takes ΔT as return − supply. */
export function heatPower(kind: 'heat' | 'cooling', flowM3h: number, supplyC: number, returnC: number): number {
  const dt = kind === 'heat' ? supplyC - returnC : returnC - supplyC;
  return flowM3h * dt * WATER_HEAT_KWH_PER_M3K;
}

/**
 * The physical state of one meter: inputs as profiles, counters as integrals of their rates over
 * simulated time. `sync(t)` integrates up to t; it never goes back in time.
 */
export class MeterPhysics {
  readonly inputs: Inputs;
  readonly counters: Values = {};
  private last: number;

  constructor(readonly kind: EnergyKind, private readonly seed: number, private readonly unitId: number, t0: number, inputs: Partial<Inputs> = {}) {
    this.inputs = { ...DEFAULT_INPUTS, ...inputs };
    this.last = t0;
    for (const k of Object.keys(rates(kind, this.inputs, t0)) as MeasurementKey[]) this.counters[k] = 0;
  }

  sync(t: number): void {
    const dt = t - this.last;
    if (dt <= 0) return;
    const constant = INPUT_KEYS.every((k) => typeof this.inputs[k] === 'number');
    const steps = constant ? 1 : Math.min(Math.ceil(dt / STEP_MS), MAX_STEPS);
    const h = dt / steps;
    let prev = rates(this.kind, this.inputs, this.last);
    for (let i = 1; i <= steps; i++) {
      const next = constant ? prev : rates(this.kind, this.inputs, this.last + i * h);
      for (const k of Object.keys(prev) as MeasurementKey[]) {
        this.counters[k] = (this.counters[k] ?? 0) + ((prev[k]! + next[k]!) / 2) * (h / HOUR_MS);
      }
      prev = next;
    }
    this.last = t;
  }

  /** Sets inputs from `t` on; counters are first integrated up to `t` with the old inputs. */
  set(t: number, inputs: Partial<Inputs>): void {
    this.sync(t);
    Object.assign(this.inputs, inputs);
  }

  setCounter(t: number, key: MeasurementKey, value: number): void {
    this.sync(t);
    this.counters[key] = value;
  }

  /** Every value this meter's kind produces at `t` (after sync), unquantised. */
  values(t: number): Values {
    this.sync(t);
    const out: Values = { ...this.counters };
    const i = this.inputs;
    if (this.kind === 'electricity') Object.assign(out, this.electrical(t));
    if (this.kind !== 'electricity' && this.kind !== 'other') out.flow_m3h = at(i.flow_m3h, t);
    // Flow meters often carry temperature inputs too (TUF-2000M), so water meters report them as well.
    if (this.kind === 'water' || this.kind === 'heat' || this.kind === 'cooling') {
      const s = at(i.supply_temp_c, t);
      const r = at(i.return_temp_c, t);
      const f = at(i.flow_m3h, t);
      out.supply_temp_c = s;
      out.return_temp_c = r;
      out.temp_diff_k = s - r;
      out.heat_power_kw = heatPower(this.kind === 'cooling' ? 'cooling' : 'heat', f, s, r);
    }
    return out;
  }

  // Balanced load: each phase carries P/3 at the same power factor; the voltages differ by a
  // little noise, so phase currents I = P/(3·V·pf) and the neutral current differ slightly.
  private electrical(t: number): Values {
    const i = this.inputs;
    const tick = Math.floor(t / 1000);
    const n = (name: string) => noise(this.seed, this.unitId, channel(name), tick);
    const p = at(i.power_kw, t);
    const pf = at(i.power_factor, t);
    const apf = Math.max(Math.abs(pf), 1e-6);
    const vNom = at(i.voltage_v, t);
    const v = [1, 2, 3].map((ph) => vNom * (1 + 0.005 * n(`v${ph}`)));
    const cur = v.map((vi) => (Math.abs(p) / 3) * 1000 / (vi * apf));
    // Phasor sum of the three currents 120° apart (their common pf angle does not change the modulus).
    const re = cur[0]! - 0.5 * cur[1]! - 0.5 * cur[2]!;
    const im = (Math.sqrt(3) / 2) * (cur[2]! - cur[1]!);
    const s = Math.abs(p) / apf;
    return {
      power_kw: p,
      power_l1_kw: p / 3, power_l2_kw: p / 3, power_l3_kw: p / 3,
      power_factor: pf,
      apparent_power_kva: s,
      reactive_power_kvar: reactive(p, pf),
      voltage_l1_v: v[0]!, voltage_l2_v: v[1]!, voltage_l3_v: v[2]!,
      current_l1_a: cur[0]!, current_l2_a: cur[1]!, current_l3_a: cur[2]!,
      current_n_a: Math.hypot(re, im),
      frequency_hz: at(i.frequency_hz, t) + 0.02 * n('f'),
    };
  }
}
