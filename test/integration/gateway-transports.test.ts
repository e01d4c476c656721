import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MeasurementKey, Reading } from '../../core/index.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { findModel } from '../../gateway/models/index.ts';
import { createPoller } from '../../gateway/poll/index.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';
import { freePort } from '../../cli/ports.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';

const log = pino({ level: 'silent' });
const base = { site: 's', gateway: 'g', building: 'b' };
const meter = (id: string, bus: string, unitId: number, model: string, extra: Record<string, unknown> = {}) => ({
  id, bus, unitId, model, zone: 'business', endUse: 'lighting_sockets', intervalMs: 200, ...extra,
});

async function waitFor(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The gateway's reading must equal what the simulated meter's registers encode, for every value it maps. */
function expectMatches(r: Reading, sim: MeterSimulator, unitId: number, factor: Partial<Record<MeasurementKey, number>> = {}): void {
  const truth = sim.meter(unitId).get();
  const keys = Object.keys(truth) as MeasurementKey[];
  expect(keys.length).toBeGreaterThan(3);
  for (const k of keys) {
    const v = r.values[k];
    expect(v, `${r.meter} ${k}`).toBeDefined();
    expect(v!).toBeCloseTo(truth[k]! * (factor[k] ?? 1), 3);
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('gateway transports', () => {
  it('Modbus TCP: decodes every value of a simulated DTSU666 and applies CT and PT', async () => {
    const sim = await startMeterSimulator({ meters: [{ unitId: 5, model: findModel('DTSU666')! }], tcp: { port: 0 }, clock: { frozen: true } });
    cleanups.push(() => sim.close());
    const readings: Reading[] = [];
    const poller = createPoller(GatewayConfigSchema.parse({
      ...base,
      buses: [{ id: 't', type: 'tcp', host: '127.0.0.1', port: sim.tcp!.port }],
      meters: [meter('dt', 't', 5, 'DTSU666', { ct: 40, pt: 1 })],
    }), { log, onReading: (r) => readings.push(r) });
    cleanups.push(() => poller.stop());
    await poller.start();
    await waitFor(() => readings.length >= 1);
    expectMatches(readings[0]!, sim, 5, { energy_import_kwh: 40, energy_export_kwh: 40, power_kw: 40, current_l1_a: 40, current_l2_a: 40, current_l3_a: 40 });
  });

  it('RTU on a pty: three meters of two models on one line', async () => {
    const pty: PtyPair = await startPtyPair();
    cleanups.push(() => pty.close());
    const sim = await startMeterSimulator({
      meters: [{ unitId: 1, model: findModel('SDM630')! }, { unitId: 2, model: findModel('SDM120')! }, { unitId: 3, model: findModel('SDM630')! }],
      rtu: { path: pty.b, baudRate: 19200 }, clock: { frozen: true },
    });
    cleanups.push(() => sim.close());
    const readings: Reading[] = [];
    const poller = createPoller(GatewayConfigSchema.parse({
      ...base,
      buses: [{ id: 'r', type: 'rtu', path: pty.a, baud: 19200, timeoutMs: 500 }],
      meters: [meter('a', 'r', 1, 'SDM630'), meter('b', 'r', 2, 'SDM120'), meter('c', 'r', 3, 'SDM630')],
    }), { log, onReading: (r) => readings.push(r) });
    cleanups.push(() => poller.stop());
    await poller.start();
    await waitFor(() => ['a', 'b', 'c'].every((id) => readings.some((r) => r.meter === id)));
    expectMatches(readings.find((r) => r.meter === 'a')!, sim, 1);
    expectMatches(readings.find((r) => r.meter === 'b')!, sim, 2);
    expectMatches(readings.find((r) => r.meter === 'c')!, sim, 3);
  });

  it('RTU over TCP: every meter behind a bridge shares one connection, and it comes back after a drop', async () => {
    const sim = await startMeterSimulator({
      meters: [1, 2, 3, 4].map((unitId) => ({ unitId, model: findModel('SDM120')! })), rtuOverTcp: { port: 0 }, clock: { frozen: true },
    });
    cleanups.push(() => sim.close());
    // The bridge side as the gateway sees it: count the connections it accepts and how many are open at once.
    let accepted = 0;
    let open = 0;
    let maxOpen = 0;
    const sockets = new Set<net.Socket>();
    const bridge = net.createServer((sock) => {
      accepted++;
      maxOpen = Math.max(maxOpen, ++open);
      const up = net.connect(sim.rtuOverTcp!.port, '127.0.0.1');
      sockets.add(sock);
      sock.pipe(up).pipe(sock);
      const end = () => { sock.destroy(); up.destroy(); };
      sock.on('error', end);
      up.on('error', end);
      up.on('close', end);
      sock.once('close', () => { open--; sockets.delete(sock); up.destroy(); });
    });
    const port = await freePort();
    await new Promise<void>((r) => bridge.listen(port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); bridge.close(() => r()); }));

    const readings: Reading[] = [];
    const poller = createPoller(GatewayConfigSchema.parse({
      ...base,
      buses: [{ id: 'br', type: 'rtu-over-tcp', host: '127.0.0.1', port, timeoutMs: 500 }],
      meters: [1, 2, 3, 4].map((u) => meter(`w${u}`, 'br', u, 'SDM120')),
    }), { log, onReading: (r) => readings.push(r) });
    cleanups.push(() => poller.stop());
    await poller.start();
    await waitFor(() => [1, 2, 3, 4].every((u) => readings.filter((r) => r.meter === `w${u}`).length >= 3));
    expect(accepted).toBe(1);
    expectMatches(readings.find((r) => r.meter === 'w4')!, sim, 4);

    sim.dropConnections();
    await waitFor(() => accepted === 2);
    const after = readings.length;
    await waitFor(() => [1, 2, 3, 4].every((u) => readings.slice(after).some((r) => r.meter === `w${u}`)));
    expect(accepted).toBe(2);
    expect(maxOpen).toBe(1);
  });

  it('MQTT: Tasmota and Shelly payloads through a real aedes broker', async () => {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => broker.close(() => server.close(() => r()))));

    const readings: Reading[] = [];
    const poller = createPoller(GatewayConfigSchema.parse({
      ...base,
      buses: [{ id: 'mq', type: 'mqtt', url: `mqtt://127.0.0.1:${port}` }],
      meters: [
        {
          id: 'plug', bus: 'mq', model: 'tasmota', kind: 'electricity', zone: 'logistics', endUse: 'special', facility: 'canteen', ct: 1,
          mqtt: { topic: 'tele/plug/SENSOR', fields: { energy_import_kwh: 'ENERGY.Total', power_kw: { path: 'ENERGY.Power', scale: 0.001 } }, timePath: 'Time' },
        },
        {
          id: 'shelly', bus: 'mq', model: 'shelly-plus-1pm', kind: 'electricity', zone: 'business', endUse: 'lighting_sockets',
          mqtt: {
            topic: 'shellies/+/status/switch:0',
            fields: { energy_import_kwh: { path: 'aenergy.total', scale: 0.001 }, power_kw: { path: 'apower', scale: 0.001 }, voltage_l1_v: 'voltage' },
            timePath: 'aenergy.minute_ts',
          },
        },
      ],
    }), { log, onReading: (r) => readings.push(r) });
    cleanups.push(() => poller.stop());
    await poller.start();

    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`);
    cleanups.push(() => new Promise<void>((r) => client.end(true, {}, () => r())));
    await new Promise<void>((r) => client.once('connect', () => r()));
    // The poller subscribes on connect; publish until the first reading shows it is listening.
    const tasmota = { Time: '2024-03-05T10:15:00', ENERGY: { Total: 123.456, Today: 0.5, Power: 45, Voltage: 229, Current: 0.2 } };
    const timer = setInterval(() => client.publish('tele/plug/SENSOR', JSON.stringify(tasmota)), 100);
    try {
      await waitFor(() => readings.some((r) => r.meter === 'plug'));
    } finally {
      clearInterval(timer);
    }
    client.publish('shellies/plus1pm-a8032ab/status/switch:0', JSON.stringify({
      id: 0, apower: 1234.5, voltage: 231.4, current: 5.36, aenergy: { total: 98765.4, by_minute: [20.6, 20.6, 20.5], minute_ts: 1709633700 },
    }));
    client.publish('tele/plug/SENSOR', JSON.stringify({ ...tasmota, ENERGY: { ...tasmota.ENERGY, Total: 100 } }));
    await waitFor(() => readings.some((r) => r.meter === 'shelly') && readings.filter((r) => r.meter === 'plug' && r.values.energy_import_kwh === 100).length === 1);

    const plug = readings.find((r) => r.meter === 'plug')!;
    expect(plug).toEqual({ meter: 'plug', ts: new Date(2024, 2, 5, 10, 15).getTime(), values: { energy_import_kwh: 123.456, power_kw: 0.045 } });
    const shelly = readings.find((r) => r.meter === 'shelly')!;
    expect(shelly.ts).toBe(1709633700_000);
    expect(shelly.values.energy_import_kwh).toBeCloseTo(98.7654, 6);
    expect(shelly.values.power_kw).toBeCloseTo(1.2345, 6);
    expect(shelly.values.voltage_l1_v).toBe(231.4);
    // A Tasmota counter reset (Total 123.456 → 100) is kept and flagged.
    const reset = readings.find((r) => r.meter === 'plug' && r.values.energy_import_kwh === 100)!;
    expect(reset.quality).toEqual({ energy_import_kwh: 'counter_decreased' });
    expect(poller.meters().find((m) => m.id === 'shelly')).toMatchObject({ online: true, state: 'ok', bus: 'mq', reads: 1 });
  });
});
