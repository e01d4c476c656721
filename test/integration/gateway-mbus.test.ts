import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { spawnZm, type ZmProcess } from '../support/processes.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';
import { startTestGateway, startTestIngestor, waitFor, type TestGateway, type TestIngestor } from '../support/harness.ts';

/**
 * Issue 17's "done": a gateway with an M-Bus heat meter on a socat pty and one behind a TCP serial
 * server, both served by `zonemeter sim meter --protocol mbus`, streams heat energy, volume and
 * both temperatures through the ingestor into InfluxDB. The line meter is a multi-telegram
 * Supercal 531 at primary address 5; the bridge meter a CF Echo II without primary address, read
 * by its secondary address.
 */
let pty: PtyPair;
const sims: ZmProcess[] = [];
let ing: TestIngestor;
let gw: TestGateway;

async function served(p: ZmProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = p.other.join('').match(pattern);
    if (m) return m;
    if (!p.alive() || Date.now() > deadline) throw new Error(`simulator did not start:\n${p.other.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  pty = await startPtyPair();
  const line = spawnZm(['sim', 'meter', '--protocol', 'mbus', '--model', 'Supercal-531-MBus', '--rtu', pty.b, '--address', '5', '--speed', '0',
    '--set', 'heat_energy_kwh=12000', '--set', 'volume_m3=400', '--flow', '2', '--set', 'supply_temp_c=80', '--set', 'return_temp_c=60']);
  const bridge = spawnZm(['sim', 'meter', '--protocol', 'mbus', '--model', 'CF-Echo-II-MBus', '--rtu-over-tcp', '127.0.0.1:0', '--address', '0',
    '--secondary', '11100091', '--speed', '0', '--set', 'heat_energy_kwh=500.4', '--set', 'volume_m3=12.345', '--flow', '0.6',
    '--set', 'supply_temp_c=70.2', '--set', 'return_temp_c=55.6']);
  sims.push(line, bridge);
  await served(line, /serving M-Bus Supercal-531-MBus address 5/);
  const port = Number((await served(bridge, /rtu-over-tcp 127\.0\.0\.1:(\d+)/))[1]);
  ing = await startTestIngestor({ gateways: [['campus', 'gw-mbus']] });
  gw = await startTestGateway({
    site: 'campus', gateway: 'gw-mbus', building: 'library',
    uplink: { url: ing.mqttUrl, username: 'gw-mbus', password: ing.passwords['gw-mbus'], batch: { maxAgeMs: 100 } },
    buses: [
      // No baud or parity: an M-Bus line gets EN 13757-2's 2400 8E1. A 250-byte telegram takes about
      // 1.1 s at 2400 bit/s, so the timeout leaves room for it.
      { id: 'mbus-line', type: 'rtu', path: pty.a, timeoutMs: 1500 },
      { id: 'mbus-bridge', type: 'rtu-over-tcp', host: '127.0.0.1', port, timeoutMs: 1500 },
    ],
    meters: [
      { id: 'heat-main', bus: 'mbus-line', protocol: 'mbus', address: 5, model: 'Supercal-531-MBus', zone: 'administrative', endUse: 'total', role: 'main', intervalMs: 500 },
      { id: 'heat-canteen', bus: 'mbus-bridge', protocol: 'mbus', secondary: '11100091', model: 'CF-Echo-II-MBus', zone: 'logistics', endUse: 'special', facility: 'canteen', intervalMs: 500 },
    ],
  });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await ing?.close();
  for (const s of sims) await s.stop();
  await pty?.close();
});

async function latest(id: string): Promise<{ values: Record<string, number>; ts: number } | undefined> {
  const res = await fetch(`${ing.url}/api/v1/meters/${id}/latest`);
  return res.status === 200 ? ((await res.json()) as never) : undefined;
}

describe('M-Bus heat meters through gateway, ingestor and InfluxDB', () => {
  it('the line applies the M-Bus defaults', () => {
    expect(gw.config.buses[0]).toMatchObject({ baud: 2400, parity: 'even', dataBits: 8, stopBits: 1 });
    expect(gw.config.meters.map((m) => m.kind)).toEqual(['heat', 'heat']);
  });

  it('stores heat energy, volume and both temperatures of the pty meter (multi-telegram, primary address)', async () => {
    const got = await waitFor(async () => {
      const l = await latest('heat-main');
      return l && l.values.heat_energy_kwh !== undefined ? l : undefined;
    }, { what: 'heat-main in InfluxDB', timeoutMs: 30_000 });
    // Energy goes over the wire in whole MJ: 12000 kWh = 43200 MJ exactly.
    expect(got.values).toMatchObject({ heat_energy_kwh: 12000, volume_m3: 400, supply_temp_c: 80, return_temp_c: 60, flow_m3h: 2 });
    expect(got.values.heat_power_kw).toBeCloseTo(2 * 20 * 1.163, 3);
  });

  it('stores the same for the bridge meter read by secondary address', async () => {
    const got = await waitFor(async () => {
      const l = await latest('heat-canteen');
      return l && l.values.heat_energy_kwh !== undefined ? l : undefined;
    }, { what: 'heat-canteen in InfluxDB', timeoutMs: 30_000 });
    // CF Echo II resolution: energy 1 kWh, volume 10 l, temperatures 0.1 °C, difference 0.01 K.
    expect(got.values).toMatchObject({ heat_energy_kwh: 500, volume_m3: 12.34, supply_temp_c: 70.2, return_temp_c: 55.6, temp_diff_k: 14.6, flow_m3h: 0.6 });
  });
});

describe('M-Bus meters in the gateway config', () => {
  const base = { site: 's', gateway: 'g', building: 'b' };
  const bad = (meters: unknown[], buses: unknown[] = [{ id: 'l', type: 'rtu', path: '/dev/null' }]) => {
    const r = GatewayConfigSchema.safeParse({ ...base, buses, meters });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const m = { id: 'x', bus: 'l', zone: 'business', endUse: 'total', protocol: 'mbus', model: 'MBus-Heat' };

  it('are refused, naming the field, when they cannot work', () => {
    expect(bad([{ ...m, address: 251 }])).toEqual(['meters.0.address: expected a primary address 1–250, got "251" (a meter at 0 is reached by its secondary address)']);
    expect(bad([{ ...m }])[0]).toMatch(/^meters\.0\.address: an M-Bus meter needs its primary address 1–250/);
    expect(bad([{ ...m, secondary: '1234567' }])).toEqual(['meters.0.secondary: expected the 8-digit identification number printed on the meter, got "1234567"']);
    expect(bad([{ ...m, address: 3, secondary: '12345678' }])).toEqual(['meters.0.secondary: give the primary address or the secondary address, not both']);
    expect(bad([{ ...m, address: 3, model: 'DLT645-1P' }])[0]).toMatch(/^meters\.0\.model: unknown M-Bus \(EN 13757\) model "DLT645-1P"/);
    expect(bad([{ ...m, address: 3 }, { ...m, id: 'y', address: '3' }])[0]).toMatch(/^meters\.1\.address: address 3 is already used on bus "l"/);
    expect(bad([{ ...m, address: 3 }], [{ id: 'l', type: 'tcp', host: 'h' }])[0]).toMatch(/^meters\.0\.bus: a M-Bus \(EN 13757\) meter needs a serial line/);
    expect(bad([{ ...m, address: 3 }, { ...m, id: 'y', protocol: 'dlt645', model: 'DLT645-1P', address: '000000000001' }])[0])
      .toMatch(/^buses\.0\.id: bus "l" mixes M-Bus meters with dlt645 meters/);
    expect(bad([{ ...m, address: 3, preamble: 2 }])).toEqual(['meters.0.preamble: preamble is a DL/T 645 / CJ/T 188 setting; M-Bus sends none']);
  });

  it('take a primary address as number or string, or a secondary address', () => {
    expect(bad([{ ...m, address: 7 }, { ...m, id: 'y', address: '8' }, { ...m, id: 'z', secondary: '00001234' }])).toEqual([]);
  });
});
