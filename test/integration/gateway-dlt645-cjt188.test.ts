import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MeasurementKey, Reading } from '../../core/index.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { CJT188_MODELS, DLT645_MODELS } from '../../gateway/models/index.ts';
import { createPoller } from '../../gateway/poll/index.ts';
import { startSerialSimulator, type SerialSimulator } from '../../simulators/meter/serial-line.ts';
import { memoryLogger } from '../support/harness.ts';
import { startPtyPair } from '../support/pty.ts';

const model = (name: string) => [...DLT645_MODELS, ...CJT188_MODELS].find((m) => m.name === name)!;
const base = { site: 's', gateway: 'g', building: 'b' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every value the simulated meter shows must arrive, equal to the meter's own resolution. */
function expectMatches(r: Reading, sim: SerialSimulator, address: string, keys?: MeasurementKey[]): void {
  const truth = sim.meter(address).get();
  for (const k of keys ?? (Object.keys(truth) as MeasurementKey[])) {
    expect(r.values[k], `${r.meter} ${k}`).toBe(truth[k]);
  }
}

describe('DL/T 645-2007 and CJ/T 188 meters on the bus scheduler', () => {
  it('DL/T 645 on an RS-485 line (socat pty, 2400 8E1 by default): two meters, values as the meters show them', async () => {
    const pty = await startPtyPair();
    cleanups.push(() => pty.close());
    const sim = await startSerialSimulator({
      protocol: 'dlt645', rtu: { path: pty.b }, clock: { frozen: true },
      meters: [
        { model: model('DLT645-3P'), address: '000000000161', inputs: { power_kw: 12.5, power_factor: 0.93 }, counters: { energy_import_kwh: 1234.56 } },
        { model: model('DLT645-1P'), address: '210987654321', inputs: { power_kw: -1.2 }, counters: { energy_export_kwh: 5 } },
      ],
    });
    cleanups.push(() => sim.close());
    const config = GatewayConfigSchema.parse({
      ...base,
      buses: [{ id: 'line', type: 'rtu', path: pty.a }],
      meters: [
        { id: 'm3', bus: 'line', protocol: 'dlt645', address: '000000000161', model: 'DLT645-3P', zone: 'business', endUse: 'total', intervalMs: 300 },
        { id: 'm1', bus: 'line', protocol: 'dlt645', address: '210987654321', model: 'DLT645-1P', zone: 'logistics', endUse: 'power', intervalMs: 300 },
      ],
    });
    // DL/T 645-2007 5.x default line settings, filled in because the bus named none.
    expect(config.buses[0]).toMatchObject({ baud: 2400, parity: 'even', dataBits: 8, stopBits: 1 });
    expect(config.meters[0]!.kind).toBe('electricity');
    const readings: Reading[] = [];
    const poller = createPoller(config, { log: pino({ level: 'silent' }), onReading: (r) => readings.push(r) });
    cleanups.push(() => poller.stop());
    await poller.start();
    await waitFor(() => readings.some((r) => r.meter === 'm3') && readings.some((r) => r.meter === 'm1'));
    const m3 = readings.find((r) => r.meter === 'm3')!;
    const m1 = readings.find((r) => r.meter === 'm1')!;
    expectMatches(m3, sim, '000000000161');
    expectMatches(m1, sim, '210987654321');
    expect(m3.values.energy_import_kwh).toBe(1234.56);
    expect(m3.values.power_kw).toBe(12.5);
    expect(m1.values.power_kw).toBe(-1.2); // the sign bit of 02030000
    expect(Object.keys(m3.values)).toHaveLength(12);
  }, 40_000);

  it('an identifier the meter answers "no such data" for is dropped; a silent meter does not hold up the line', async () => {
    const pty = await startPtyPair();
    cleanups.push(() => pty.close());
    const sim = await startSerialSimulator({
      protocol: 'dlt645', rtu: { path: pty.b }, clock: { frozen: true },
      meters: [
        // The meter only has the single-phase identifiers; the config says three-phase Chint.
        { model: model('DLT645-1P'), address: '000000000001', counters: { energy_import_kwh: 10 } },
        { model: model('DLT645-1P'), address: '000000000002' },
      ],
    });
    cleanups.push(() => sim.close());
    sim.meter('000000000002').silent = true;
    const { log, lines } = memoryLogger('debug');
    const readings: Reading[] = [];
    const poller = createPoller(GatewayConfigSchema.parse({
      ...base,
      buses: [{ id: 'line', type: 'rtu', path: pty.a, timeoutMs: 150 }],
      meters: [
        { id: 'wide', bus: 'line', protocol: 'dlt645', address: '000000000001', model: 'DTSU666-645', zone: 'business', endUse: 'total', intervalMs: 300, retries: 0 },
        { id: 'dead', bus: 'line', protocol: 'dlt645', address: '000000000002', model: 'DLT645-1P', zone: 'business', endUse: 'power', intervalMs: 300, retries: 0 },
      ],
    }), { log, onReading: (r) => readings.push(r), scheduler: { absentAfter: 2, backoffCapMs: 2000 } });
    cleanups.push(() => poller.stop());
    await poller.start();
    await waitFor(() => readings.filter((r) => r.meter === 'wide').length >= 5);
    const wide = readings.filter((r) => r.meter === 'wide');
    expect(wide.at(-1)!.values.energy_import_kwh).toBe(10);
    // Phase B/C identifiers are answered with error word 02H once each, then never asked again.
    const dropped = lines.filter((l) => String(l.msg).includes('not served by this meter'));
    expect(dropped.map((l) => String(l.msg).slice(0, 11)).sort()).toEqual([
      'DI 02010200', 'DI 02010300', 'DI 02020200', 'DI 02020300', 'DI 02030100', 'DI 02030200', 'DI 02030300', 'DI 02040000',
    ]);
    const states = poller.meters();
    expect(states.find((s) => s.id === 'dead')).toMatchObject({ online: false, state: 'backoff' });
    expect(states.find((s) => s.id === 'dead')!.lastError).toMatch(/no response within 150 ms/);
    // The live meter keeps its 300 ms interval: five reads took far less than five timeouts each.
    const span = wide.at(-1)!.ts - wide.at(-5)!.ts;
    expect(span).toBeLessThan(4 * 300 + 1000);
  }, 40_000);

  it('DL/T 645 answers split into follow-up frames (B1H, then 12H → B2H … 92H) are put back together', async () => {
    const sim = await startSerialSimulator({
      protocol: 'dlt645', rtuOverTcp: { port: 0 }, clock: { frozen: true },
      meters: [{ model: model('DLT645-1P'), address: '000000000161', counters: { energy_import_kwh: 654321.98 }, inputs: { power_kw: 3.25 } }],
    });
    cleanups.push(() => sim.close());
    // One value byte per frame: a 4-byte energy value takes an answer and three follow-ups.
    sim.meter('000000000161').maxReplyData = 1;
    const readings: Reading[] = [];
    const poller = createPoller(GatewayConfigSchema.parse({
      ...base,
      buses: [{ id: 'bridge', type: 'rtu-over-tcp', host: '127.0.0.1', port: sim.rtuOverTcp!.port }],
      meters: [{ id: 'm', bus: 'bridge', protocol: 'dlt645', address: '000000000161', model: 'DLT645-1P', zone: 'business', endUse: 'total', intervalMs: 300 }],
    }), { log: pino({ level: 'silent' }), onReading: (r) => readings.push(r) });
    cleanups.push(() => poller.stop());
    await poller.start();
    await waitFor(() => readings.length > 0);
    expect(readings[0]!.values).toMatchObject({ energy_import_kwh: 654321.98, power_kw: 3.25 });
    expectMatches(readings[0]!, sim, '000000000161');
  }, 40_000);

  it('CJ/T 188 water and heat meters behind a transparent serial server (RTU over TCP)', async () => {
    const sim = await startSerialSimulator({
      protocol: 'cjt188', rtuOverTcp: { port: 0 }, clock: { frozen: true },
      meters: [
        { model: model('CJT188-Water'), address: '00000000012345', counters: { volume_m3: 321.45 }, inputs: { flow_m3h: 1.5 } },
        { model: model('JY-Heat'), address: '00000040314132', counters: { heat_energy_kwh: 20, volume_m3: 10.34 }, inputs: { flow_m3h: 0.8, supply_temp_c: 55, return_temp_c: 45 } },
      ],
    });
    cleanups.push(() => sim.close());
    const readings: Reading[] = [];
    const poller = createPoller(GatewayConfigSchema.parse({
      ...base,
      buses: [{ id: 'bridge', type: 'rtu-over-tcp', host: '127.0.0.1', port: sim.rtuOverTcp!.port }],
      meters: [
        { id: 'w', bus: 'bridge', protocol: 'cjt188', address: '00000000012345', model: 'CJT188-Water', zone: 'logistics', endUse: 'total', intervalMs: 200 },
        { id: 'h', bus: 'bridge', protocol: 'cjt188', address: '00000040314132', model: 'JY-Heat', zone: 'business', endUse: 'air_conditioning', intervalMs: 200, preamble: 4 },
      ],
    }), { log: pino({ level: 'silent' }), onReading: (r) => readings.push(r) });
    cleanups.push(() => poller.stop());
    await poller.start();
    await waitFor(() => readings.some((r) => r.meter === 'w') && readings.some((r) => r.meter === 'h'));
    const w = readings.find((r) => r.meter === 'w')!;
    const h = readings.find((r) => r.meter === 'h')!;
    expect(w.values).toEqual({ volume_m3: 321.45 });
    expectMatches(h, sim, '00000040314132');
    expect(h.values).toMatchObject({ heat_energy_kwh: 20, volume_m3: 10.34, supply_temp_c: 55, return_temp_c: 45, flow_m3h: 0.8 });
    expect(h.values.heat_power_kw).toBeCloseTo(0.8 * 10 * 1.163, 2);
    expect(poller.meters().find((m) => m.id === 'w')!.alarms).toBeUndefined();
    // ST0 = 05H: valve closed (D0–D1 = 01) and battery low (D2): reported as the meter's alarms.
    sim.meter('00000000012345').status = [0x05, 0x00];
    await waitFor(() => (poller.meters().find((m) => m.id === 'w')!.alarms?.length ?? 0) > 0);
    expect(poller.meters().find((m) => m.id === 'w')!.alarms).toEqual(['valve_closed', 'battery_low']);
    sim.meter('00000000012345').status = [0x00, 0x00];
    await waitFor(() => poller.meters().find((m) => m.id === 'w')!.alarms?.length === 0);
  }, 40_000);

  it('refuses configs that cannot work, naming the field', () => {
    const bad = (meters: unknown[], buses: unknown[] = [{ id: 'l', type: 'rtu', path: '/dev/null' }]) => {
      const r = GatewayConfigSchema.safeParse({ ...base, buses, meters });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const m = { id: 'x', bus: 'l', zone: 'business', endUse: 'total' };
    expect(bad([{ ...m, protocol: 'dlt645', model: 'DLT645-1P', address: '12345' }])).toEqual(['meters.0.address: expected 12 decimal digits, got "12345"']);
    expect(bad([{ ...m, protocol: 'dlt645', model: 'DLT645-1P' }])[0]).toMatch(/^meters\.0\.address: a DL\/T 645 meter needs/);
    expect(bad([{ ...m, protocol: 'cjt188', model: 'CJT188-Water', address: '00000000012345', meterType: 0x99 }])[0]).toMatch(/^meters\.0\.meterType/);
    expect(bad([{ ...m, protocol: 'cjt188', model: 'DLT645-1P', address: '00000000012345' }])[0]).toMatch(/^meters\.0\.model: unknown CJ\/T 188 model/);
    expect(bad([{ ...m, protocol: 'dlt645', model: 'DLT645-1P', address: '000000000001' }], [{ id: 'l', type: 'tcp', host: 'h' }])[0]).toMatch(/^meters\.0\.bus: a DL\/T 645-2007 meter needs a serial line/);
    expect(bad([
      { ...m, protocol: 'dlt645', model: 'DLT645-1P', address: '000000000001' },
      { ...m, id: 'y', protocol: 'dlt645', model: 'DLT645-1P', address: '000000000001' },
    ])[0]).toMatch(/^meters\.1\.address: address 000000000001 is already used/);
    expect(bad([
      { ...m, protocol: 'dlt645', model: 'DLT645-1P', address: '000000000001' },
      { ...m, id: 'y', unitId: 3, model: 'SDM630' },
    ])[0]).toMatch(/^buses\.0\.id: bus "l" mixes Modbus meters with dlt645/);
  });
});
