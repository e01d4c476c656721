import { describe, expect, it } from 'vitest';
import { decodeRegister, guessModels, MODELS, REGISTER_WIDTH } from '../../../gateway/models/index.ts';
import { SimClock } from '../../../simulators/meter/clock.ts';
import { SimMeter } from '../../../simulators/meter/meter.ts';
import { quantize } from '../../../simulators/meter/register-map.ts';

// Every model the gateway knows is simulated from its data alone: each register reads back as
// the value the simulator reports, and a bus scan recognises the simulated device as that model.
describe.each(MODELS.map((m) => [m.name, m] as const))('simulated %s', (_name, model) => {
  const clock = new SimClock({ start: Date.UTC(2025, 2, 3, 10), frozen: true });
  const meter = new SimMeter({
    unitId: 1, model,
    inputs: { power_kw: 3.3, flow_m3h: 1.2, supply_temp_c: 68, return_temp_c: 49 },
    counters: { energy_import_kwh: 1234, volume_m3: 56, heat_energy_kwh: 789 },
  }, clock, 11);

  it('serves every register as the value get() and state() report', () => {
    const got = meter.get();
    const state = meter.state();
    for (const def of model.registers) {
      const r = meter.read(def.fc, def.address, REGISTER_WIDTH[def.type]);
      if ('exception' in r) throw new Error(`${def.measurement} @${def.address}: exception ${r.exception}`);
      const decoded = decodeRegister(def, r.data, def.address);
      expect(decoded, def.measurement).toBe(quantize(def, state[def.measurement]!));
      if (model.registers.find((d) => d.measurement === def.measurement) === def) expect(decoded).toBe(got[def.measurement]);
    }
  });

  it.runIf(model.identify?.length)('is recognised by a bus scan', async () => {
    const guesses = await guessModels(async (fc, address, count) => {
      const r = meter.read(fc, address, count);
      return 'data' in r ? r.data : null;
    });
    expect(guesses.map((g) => g.model.name)).toContain(model.name);
  });
});
