import ModbusSerial from 'modbus-serial';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDM630 } from '../../../gateway/models/eastron.ts';
import { decodeRegister } from '../../../gateway/models/decode.ts';
import { startMeterSimulator, type MeterSimulator } from '../../../simulators/meter/index.ts';

// modbus-serial is CommonJS: the default import is module.exports, whose `default` is the class.
const ModbusRTU = ModbusSerial.default;

describe('meter simulator over Modbus TCP (SDM630)', () => {
  let sim: MeterSimulator;
  const client = new ModbusRTU();

  beforeAll(async () => {
    sim = await startMeterSimulator({
      meters: [{ unitId: 1, model: SDM630 }],
      seed: 7,
      clock: { start: Date.UTC(2025, 0, 6, 9), frozen: true },
      tcp: { port: 0 },
    });
    await client.connectTCP('127.0.0.1', { port: sim.tcp!.port });
    client.setID(1);
    client.setTimeout(1000);
  });
  afterAll(async () => {
    await new Promise<void>((r) => client.close(() => r()));
    await sim.close();
  });

  it('binds an ephemeral port when asked for port 0', () => {
    expect(sim.tcp!.port).toBeGreaterThan(0);
    expect(sim.tcp!.port).not.toBe(502);
  });

  it('serves the values get() reports, decoded with the model', async () => {
    sim.meter(1).set({ power_kw: 12, power_factor: 0.9 }).setCounter('energy_import_kwh', 1000);
    sim.advance(30 * 60_000);
    const res = await client.readInputRegisters(0, 80);
    const expected = sim.meter(1).get();
    for (const def of SDM630.registers.filter((d) => d.address < 80)) {
      expect(decodeRegister(def, res.buffer, 0), def.measurement).toBe(expected[def.measurement]);
    }
    expect(expected.energy_import_kwh).toBeCloseTo(1006, 3);
    expect(expected.power_kw).toBe(12);
  });

  it('answers exception 02 outside the register map', async () => {
    await expect(client.readInputRegisters(0x1000, 2)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.readHoldingRegisters(0, 2)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it('answers exception 03 above the model read limit', async () => {
    await expect(client.readInputRegisters(0, 81)).rejects.toMatchObject({ modbusCode: 3 });
  });
});
