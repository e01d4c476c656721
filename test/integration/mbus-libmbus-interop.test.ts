import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrameLink, type FrameLink } from '../../gateway/drivers/frame-link.ts';
import { CF_ECHO_II_MBUS, MBUS_WATER, SUPERCAL531_MBUS, type MbusModel } from '../../gateway/models/mbus.ts';
import { mapRecords, readout, scaled } from '../../gateway/protocols/mbus/index.ts';
import { startMbusSimulator, type MbusSimulator } from '../../simulators/meter/mbus/index.ts';
import { xmlPhysical } from '../support/libmbus-units.ts';
import { ensureNodeMbus, libmbusGetData, NODE_MBUS_VERSION, type LibmbusRecord } from '../support/node-mbus.ts';

/**
 * Interop: libmbus (through node-mbus, the npm binding that compiles it) reads the simulator over
 * its TCP serial server, and agrees, record by record, with zonemeter's own master and decoder
 * reading the same meters: header, storage numbers, units and values. Both are checked against
 * the simulated meter's physics too.
 */
let dir: string;
let sim: MbusSimulator;
let link: FrameLink;

beforeAll(async () => {
  dir = ensureNodeMbus();
  sim = await startMbusSimulator({
    clock: { start: Date.parse('2026-06-01T04:00:00Z'), frozen: true },
    rtuOverTcp: { port: 0 },
    meters: [
      { model: SUPERCAL531_MBUS, address: 5, inputs: { flow_m3h: 2.5, supply_temp_c: 75, return_temp_c: 55 }, counters: { heat_energy_kwh: 12345.6, volume_m3: 789.01 } },
      { model: CF_ECHO_II_MBUS, address: 7, inputs: { flow_m3h: 1.2, supply_temp_c: 70, return_temp_c: 52.5 }, counters: { heat_energy_kwh: 4321.9, volume_m3: 100.5 } },
      { model: MBUS_WATER, address: 9, secondary: '55443322', inputs: { flow_m3h: 0.75 }, counters: { volume_m3: 55.555 } },
    ],
  });
  link = createFrameLink({ type: 'rtu-over-tcp', host: '127.0.0.1', port: sim.rtuOverTcp!.port });
}, 400_000);

afterAll(async () => {
  await link?.close();
  await sim?.close();
});

const CASES: [string, number, MbusModel, string][] = [
  ['Sontex Supercal 531 (two telegrams)', 5, SUPERCAL531_MBUS, 'Sontex Supercal 531'],
  ['Itron CF Echo II', 7, CF_ECHO_II_MBUS, 'Itron CF Echo 2'],
  ['a water meter', 9, MBUS_WATER, ''],
];

describe(`node-mbus ${NODE_MBUS_VERSION} (libmbus) reads the simulator`, () => {
  for (const [what, address, model, productName] of CASES) {
    it(`${what} at primary ${address}: libmbus and zonemeter agree record by record`, async () => {
      const lib = await libmbusGetData(dir, sim.rtuOverTcp!.port, address);
      const mine = await readout(link, { primary: address }, { timeoutMs: 1000 });
      const slave = sim.slave(address);
      const info = lib.SlaveInformation;
      expect(String(info.Id).padStart(8, '0')).toBe(slave.secondary);
      expect(info.Manufacturer).toBe(model.manufacturer);
      expect(info.Version).toBe(model.version);
      // libmbus knows these meters by maker, version and medium: the simulator's identity is theirs.
      if (productName) expect(info.ProductName).toBe(productName);
      const libRecords = ([] as LibmbusRecord[]).concat(lib.DataRecord).filter((r) => r.Function !== 'More records follow');
      expect(libRecords.length).toBe(mine.records.length);
      let compared = 0;
      libRecords.forEach((l, i) => {
        const r = mine.records[i]!;
        const where = `record ${i} ${l.Unit}`;
        expect(r.storage, where).toBe(l.StorageNumber ?? 0);
        const phys = xmlPhysical(l.Unit ?? '');
        if (phys) {
          expect([r.quantity, r.unit], where).toEqual([phys.quantity, phys.unit]);
          const expected = Number(l.Value) * phys.factor;
          const got = scaled((r.value as { raw: number }).raw, r.exponent);
          expect(Math.abs(got - expected), `${where}: ${got} vs ${expected}`).toBeLessThanOrEqual(Math.max(1e-6 * phys.factor, 1e-7 * Math.abs(expected)));
          compared++;
        } else if (l.Unit === 'Fabrication number') {
          expect(r.value).toEqual({ kind: 'number', raw: Number(l.Value) });
        } else if (l.Unit?.startsWith('Time Point')) {
          expect(r.value).toEqual({ kind: 'date', iso: l.Value });
        }
      });
      expect(compared).toBeGreaterThanOrEqual(2);
      // And both equal the meter: the simulated physics at the meter's resolution.
      const { values } = mapRecords(mine.records, model.items);
      const truth = slave.state();
      expect(values.volume_m3).toBeCloseTo(truth.volume_m3!, 2);
      expect(values.flow_m3h).toBeCloseTo(truth.flow_m3h!, 3);
      if (model.kind === 'heat') {
        expect(values.supply_temp_c).toBeCloseTo(truth.supply_temp_c!, 1);
        expect(Math.abs(values.heat_energy_kwh! - truth.heat_energy_kwh!)).toBeLessThan(1);
      }
    }, 60_000);
  }

  it('libmbus selects the water meter by its secondary address', async () => {
    // libmbus's form: identification number, then manufacturer, version and medium, here wildcards.
    const lib = await libmbusGetData(dir, sim.rtuOverTcp!.port, '55443322FFFFFFFF');
    expect(lib.SlaveInformation.Id).toBe(55443322);
    const vol = ([] as LibmbusRecord[]).concat(lib.DataRecord).find((r) => r.Unit === 'Volume (m m^3)');
    expect(Number(vol?.Value) / 1000).toBe(55.555);
  }, 60_000);
});
