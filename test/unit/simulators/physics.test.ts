import { describe, expect, it } from 'vitest';
import { SDM630 } from '../../../gateway/models/eastron.ts';
import type { RegisterDef } from '../../../gateway/models/types.ts';
import { SimClock } from '../../../simulators/meter/clock.ts';
import { MeterPhysics } from '../../../simulators/meter/physics.ts';
import { startMeterSimulator } from '../../../simulators/meter/index.ts';

const T0 = Date.UTC(2025, 0, 6, 0);
const HOUR = 3_600_000;

describe('simulated clock', () => {
  it('runs at the given speed against real time, and stands still when frozen', () => {
    let real = 1_000;
    const clock = new SimClock({ start: T0, speed: 60 }, () => real);
    real += 1_000;
    expect(clock.now()).toBe(T0 + 60_000);
    clock.freeze();
    real += 5_000;
    expect(clock.now()).toBe(T0 + 60_000);
    clock.advance(500);
    expect(clock.now()).toBe(T0 + 60_500);
    clock.resume();
    real += 10;
    expect(clock.now()).toBe(T0 + 61_100);
  });
});

describe('electricity physics', () => {
  it('advances energy as the integral of a constant power', () => {
    const p = new MeterPhysics('electricity', 1, 1, T0, { power_kw: 12 });
    expect(p.values(T0 + 2.5 * HOUR).energy_import_kwh).toBeCloseTo(30, 9);
    p.set(T0 + 2.5 * HOUR, { power_kw: -4 });
    const v = p.values(T0 + 3.5 * HOUR);
    expect(v.energy_import_kwh).toBeCloseTo(30, 9);
    expect(v.energy_export_kwh).toBeCloseTo(4, 9);
  });

  it('integrates a power profile over time (a ramp from 0 to 10 kW over an hour is 5 kWh)', () => {
    const p = new MeterPhysics('electricity', 1, 1, T0, { power_kw: (t) => (10 * (t - T0)) / HOUR });
    expect(p.values(T0 + HOUR).energy_import_kwh).toBeCloseTo(5, 6);
  });

  it('keeps currents, apparent and reactive power consistent with P, V and pf', () => {
    const p = new MeterPhysics('electricity', 3, 1, T0, { power_kw: 30, power_factor: 0.8 });
    const v = p.values(T0 + 1234);
    for (const ph of [1, 2, 3] as const) {
      const volts = v[`voltage_l${ph}_v`]!;
      expect(Math.abs(volts - 230)).toBeLessThanOrEqual(230 * 0.005);
      expect(v[`current_l${ph}_a`]).toBeCloseTo(30_000 / (3 * volts * 0.8), 9);
    }
    expect(v.apparent_power_kva).toBeCloseTo(37.5, 9);
    expect(v.reactive_power_kvar).toBeCloseTo(22.5, 9);
    expect(Math.abs(v.frequency_hz! - 50)).toBeLessThanOrEqual(0.02);
    expect(v.current_n_a).toBeLessThan(1);
    // Reactive energy follows reactive power.
    expect(p.values(T0 + 2 * HOUR).reactive_energy_import_kvarh).toBeCloseTo(45, 9);
  });

  it('is deterministic from the seed and changes with it', () => {
    const a = new MeterPhysics('electricity', 42, 1, T0, { power_kw: 5 }).values(T0 + 9000);
    const b = new MeterPhysics('electricity', 42, 1, T0, { power_kw: 5 }).values(T0 + 9000);
    const c = new MeterPhysics('electricity', 43, 1, T0, { power_kw: 5 }).values(T0 + 9000);
    expect(a).toEqual(b);
    expect(a.voltage_l1_v).not.toBe(c.voltage_l1_v);
  });
});

describe('water and heat physics', () => {
  it('integrates flow into volume', () => {
    const p = new MeterPhysics('water', 1, 1, T0, { flow_m3h: 1.8 });
    expect(p.values(T0 + 30 * 60_000).volume_m3).toBeCloseTo(0.9, 9);
  });

  it('computes heat power as flow × ΔT × 1.163 and integrates it into heat energy', () => {
    const p = new MeterPhysics('heat', 1, 1, T0, { flow_m3h: 2, supply_temp_c: 75, return_temp_c: 55 });
    const v = p.values(T0 + 3 * HOUR);
    expect(v.heat_power_kw).toBeCloseTo(2 * 20 * 1.163, 9);
    expect(v.temp_diff_k).toBe(20);
    expect(v.heat_energy_kwh).toBeCloseTo(3 * 46.52, 9);
    expect(v.volume_m3).toBeCloseTo(6, 9);
  });
});

describe('simulated meter state', () => {
  it('counts energy over an advanced clock and reports it through the register encoding', async () => {
    const sim = await startMeterSimulator({ meters: [{ unitId: 3, model: SDM630 }], clock: { start: T0, frozen: true } });
    const m = sim.meter(3).set({ power_kw: 12 }).setCounter('energy_import_kwh', 1000);
    sim.advance(HOUR / 4);
    expect(m.get().energy_import_kwh).toBe(Math.fround(1003));
    expect(m.get().power_kw).toBe(12);
    await sim.close();
  });

  it('wraps an integer counter register past its maximum, like the real meter', async () => {
    const defs: RegisterDef[] = [{ measurement: 'energy_import_kwh', fc: 3, address: 0, type: 'uint32', order: 'ABCD', scale: 0.01 }];
    const sim = await startMeterSimulator({ meters: [{ unitId: 1, registers: defs, kind: 'electricity' }], clock: { start: T0, frozen: true } });
    const m = sim.meter(1).set({ power_kw: 4 });
    const wrap = m.nearRollover('energy_import_kwh', 1);
    expect(wrap).toBeCloseTo(2 ** 32 * 0.01, 6);
    expect(m.get().energy_import_kwh).toBeCloseTo(wrap - 1, 2);
    sim.advance(HOUR);
    expect(m.get().energy_import_kwh).toBeCloseTo(3, 2);
    expect(m.state().energy_import_kwh).toBeCloseTo(wrap + 3, 2);
    await sim.close();
  });

  it('holds a stuck value while the physics goes on', async () => {
    const sim = await startMeterSimulator({ meters: [{ unitId: 1, model: SDM630, inputs: { power_kw: 6 } }], clock: { start: T0, frozen: true } });
    const m = sim.meter(1).stick(['energy_import_kwh']);
    sim.advance(HOUR);
    expect(m.get().energy_import_kwh).toBe(0);
    m.unstick();
    expect(m.get().energy_import_kwh).toBe(6);
    await sim.close();
  });
});
