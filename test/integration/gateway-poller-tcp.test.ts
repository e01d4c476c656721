import ModbusSerial from 'modbus-serial';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/index.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { createPoller, type Poller } from '../../gateway/poll/index.ts';
import { freePort } from '../../cli/ports.ts';

const { ServerTCP } = ModbusSerial;
type Server = InstanceType<typeof ServerTCP>;

// Register words of an SDM630 (Eastron protocol V1.8, input registers), written as float32 words
// independently of the model table so a wrong address in the table shows up here.
function f32(v: number): [number, number] {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v);
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
}
function sdm630Block(volts: number, hz: number, kwh: number): Map<number, number> {
  const regs = new Map<number, number>();
  const put = (addr: number, v: number) => {
    const [hi, lo] = f32(v);
    regs.set(addr, hi);
    regs.set(addr + 1, lo);
  };
  put(0x0000, volts); // 30001 L1 voltage
  put(0x0046, hz); // 30071 frequency
  put(0x0048, kwh); // 30073 import kWh
  return regs;
}

function startServer(port: number, units: Map<number, Map<number, number> | 'illegal-address'>): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = new ServerTCP({
      getMultipleInputRegisters(addr: number, length: number, unitID: number) {
        const regs = units.get(unitID);
        if (!regs || regs === 'illegal-address') throw Object.assign(new Error('illegal data address'), { modbusErrorCode: 2 });
        return Array.from({ length }, (_, i) => regs.get(addr + i) ?? 0);
      },
    }, { host: '127.0.0.1', port, unitID: 255 });
    server.on('initialized', () => resolve(server));
    server.on('serverError', reject);
  });
}

const closeServer = (s: Server) => new Promise<void>((resolve) => {
  for (const sock of s.socks.keys()) sock.destroy();
  s.close(() => resolve());
});

function config(port: number) {
  return GatewayConfigSchema.parse({
    site: 'site-a', gateway: 'gw-1', building: 'main',
    buses: [{ id: 'tcp1', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 300 }],
    meters: [
      { id: 'm-admin', bus: 'tcp1', unitId: 3, model: 'SDM630', zone: 'administrative', endUse: 'lighting_sockets', intervalMs: 200, ct: 40 },
      { id: 'm-wrong', bus: 'tcp1', unitId: 9, model: 'SDM630', zone: 'business', endUse: 'lighting_sockets', intervalMs: 200 },
    ],
  });
}

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('poller over Modbus TCP', () => {
  let server: Server | undefined;
  let poller: Poller | undefined;
  afterEach(async () => {
    await poller?.stop();
    if (server) await closeServer(server);
    server = undefined;
    poller = undefined;
  });

  it('reads and decodes a meter, applies CT, backs off a meter answering illegal address, and reconnects', async () => {
    const port = await freePort();
    const units = new Map<number, Map<number, number> | 'illegal-address'>([[3, sdm630Block(230.5, 50, 1234.5)], [9, 'illegal-address']]);
    server = await startServer(port, units);
    const readings: Reading[] = [];
    poller = createPoller(config(port), { log: pino({ level: 'silent' }), onReading: (r) => readings.push(r) });
    const before = Date.now();
    await poller.start();
    await waitFor(() => readings.length >= 2);
    const first = readings[0]!;
    expect(first.meter).toBe('m-admin');
    expect(first.ts).toBeGreaterThanOrEqual(before);
    expect(first.values.voltage_l1_v).toBeCloseTo(230.5, 3);
    expect(first.values.frequency_hz).toBeCloseTo(50, 3);
    // 1234.5 kWh on the secondary side behind a 200/5 CT (ratio 40).
    expect(first.values.energy_import_kwh).toBeCloseTo(1234.5 * 40, 1);
    expect(readings.every((r) => r.meter === 'm-admin')).toBe(true);

    const wrong = poller.meters().find((m) => m.id === 'm-wrong')!;
    expect(wrong.state).toBe('backoff');
    expect(wrong.online).toBe(false);
    expect(wrong.lastError).toMatch(/exception 02/);
    const ok = poller.meters().find((m) => m.id === 'm-admin')!;
    expect(ok).toMatchObject({ online: true, state: 'ok', bus: 'tcp1' });

    // Drop the link: the server goes away and comes back on the same port.
    await closeServer(server);
    server = undefined;
    await waitFor(() => poller!.meters().find((m) => m.id === 'm-admin')!.consecutiveErrors > 0);
    units.set(3, sdm630Block(231, 50, 1300));
    server = await startServer(port, units);
    await waitFor(() => readings.some((r) => r.values.energy_import_kwh !== undefined && Math.abs(r.values.energy_import_kwh - 1300 * 40) < 1), 15_000);
    expect(poller.meters().find((m) => m.id === 'm-admin')!.state).toBe('ok');
  });
});
