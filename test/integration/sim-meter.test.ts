import ModbusSerial from 'modbus-serial';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRegister } from '../../gateway/models/decode.ts';
import { findModel } from '../../gateway/models/index.ts';
import type { MeterModel, RegisterDef } from '../../gateway/models/types.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';

// modbus-serial is CommonJS: the default import is module.exports, whose `default` is the class.
const ModbusRTU = ModbusSerial.default;
type Client = InstanceType<typeof ModbusRTU>;

const SDM630 = findModel('SDM630')!;
const START = Date.UTC(2025, 0, 6, 8, 30);

const closeClient = (c: Client) => new Promise<void>((r) => (c.isOpen ? c.close(() => r()) : r()));

/** Reads a register block and checks every definition in it against get(). */
async function expectServed(client: Client, sim: MeterSimulator, unitId: number, model: MeterModel, from: number, count: number) {
  client.setID(unitId);
  const res = await client.readInputRegisters(from, count);
  const expected = sim.meter(unitId).get();
  const defs = model.registers.filter((d: RegisterDef) => d.fc === 4 && d.address >= from && d.address + 2 <= from + count);
  expect(defs.length).toBeGreaterThan(3);
  for (const def of defs) expect(decodeRegister(def, res.buffer, from), `unit ${unitId} ${def.measurement}`).toBe(expected[def.measurement]);
  return expected;
}

describe('meter simulator over Modbus TCP', () => {
  let sim: MeterSimulator;
  const client = new ModbusRTU();
  beforeAll(async () => {
    sim = await startMeterSimulator({ meters: [{ unitId: 1, model: SDM630 }], seed: 3, clock: { start: START, frozen: true }, tcp: { port: 0 } });
    await client.connectTCP('127.0.0.1', { port: sim.tcp!.port });
    client.setTimeout(1000);
  });
  afterAll(async () => {
    await closeClient(client);
    await sim.close();
  });

  it('serves the state get() reports, and counters move with the clock', async () => {
    sim.meter(1).set({ power_kw: 22, power_factor: 0.93 }).setCounter('energy_import_kwh', 500);
    const before = await expectServed(client, sim, 1, SDM630, 0, 80);
    sim.advance(15 * 60_000);
    const after = await expectServed(client, sim, 1, SDM630, 0, 80);
    expect(after.energy_import_kwh! - before.energy_import_kwh!).toBeCloseTo(5.5, 3);
  });

  it('delays an answer past the client timeout, then recovers', async () => {
    client.setID(1);
    sim.meter(1).fault({ kind: 'delay', ms: 1500, times: 1 });
    await expect(client.readInputRegisters(0, 2)).rejects.toThrow(/Timed out/);
    await new Promise((r) => setTimeout(r, 700));
    const res = await client.readInputRegisters(0x48, 2);
    expect(res.buffer.readFloatBE(0)).toBe(sim.meter(1).get().energy_import_kwh);
  });

  it('drops the connection on a disconnect fault', async () => {
    client.setID(1);
    sim.meter(1).fault({ kind: 'disconnect', times: 1 });
    await expect(client.readInputRegisters(0, 2)).rejects.toThrow();
    expect(client.isOpen).toBe(false);
  });
});

describe('meter simulator over Modbus RTU on a pty line', () => {
  let pty: PtyPair;
  let sim: MeterSimulator;
  const client = new ModbusRTU();
  beforeAll(async () => {
    pty = await startPtyPair();
    sim = await startMeterSimulator({
      meters: [1, 2, 3, 4, 5].map((unitId) => ({ unitId, model: SDM630, inputs: { power_kw: 2 * unitId } })),
      seed: 9,
      clock: { start: START, frozen: true },
      rtu: { path: pty.a, baudRate: 9600 },
    });
    await client.connectRTUBuffered(pty.b, { baudRate: 9600 });
    client.setTimeout(500);
  });
  afterAll(async () => {
    await closeClient(client);
    await sim?.close();
    await pty?.close();
  });

  it('answers every unit id on the line with its own values', async () => {
    sim.advance(3_600_000);
    for (const id of [1, 2, 3, 4, 5]) {
      const v = await expectServed(client, sim, id, SDM630, 0, 80);
      expect(v.power_kw).toBe(2000 * id / 1000);
      expect(v.energy_import_kwh).toBeCloseTo(2 * id, 4);
    }
  });

  it('stays silent for a unit id nobody serves, and the line still works after', async () => {
    client.setID(6);
    await expect(client.readInputRegisters(0, 2)).rejects.toThrow(/Timed out/);
    await expectServed(client, sim, 2, SDM630, 0, 80);
  });

  it('answers an out-of-map read with exception 02 and a bad CRC with something the client rejects', async () => {
    client.setID(4);
    await expect(client.readInputRegisters(0x200, 2)).rejects.toMatchObject({ modbusCode: 2 });
    sim.meter(4).fault({ kind: 'bad_crc', times: 1 });
    await expect(client.readInputRegisters(0, 2)).rejects.toThrow(/CRC/i);
    await expectServed(client, sim, 4, SDM630, 0, 80);
  });
});

describe('meter simulator over raw RTU over TCP', () => {
  let sim: MeterSimulator;
  const client = new ModbusRTU();
  beforeAll(async () => {
    sim = await startMeterSimulator({
      meters: [{ unitId: 7, model: SDM630, inputs: { power_kw: 4.4 } }, { unitId: 8, model: SDM630, inputs: { power_kw: -1.5 } }],
      seed: 4,
      clock: { start: START, frozen: true },
      rtuOverTcp: { port: 0 },
    });
    await client.connectTelnet('127.0.0.1', { port: sim.rtuOverTcp!.port });
    client.setTimeout(1000);
  });
  afterAll(async () => {
    await closeClient(client);
    await sim.close();
  });

  it('serves several unit ids behind one bridge connection', async () => {
    sim.advance(2 * 3_600_000);
    const a = await expectServed(client, sim, 7, SDM630, 0, 80);
    const b = await expectServed(client, sim, 8, SDM630, 0, 80);
    expect(a.energy_import_kwh).toBeCloseTo(8.8, 4);
    expect(b.energy_export_kwh).toBeCloseTo(3, 4);
    expect(b.energy_import_kwh).toBe(0);
  });

  it('answers exceptions through the bridge', async () => {
    client.setID(7);
    await expect(client.readHoldingRegisters(0, 2)).rejects.toMatchObject({ modbusCode: 2 });
    sim.meter(7).fault({ kind: 'exception', code: 6, times: 1 });
    await expect(client.readInputRegisters(0, 2)).rejects.toMatchObject({ modbusCode: 6 });
  });
});
