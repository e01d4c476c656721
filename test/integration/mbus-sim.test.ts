import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrameLink, type FrameLink } from '../../gateway/drivers/frame-link.ts';
import { CF_ECHO_II_MBUS, MBUS_WATER, SUPERCAL531_MBUS } from '../../gateway/models/mbus.ts';
import {
  mapRecords, readout, reqUd2, scanPrimary, searchSecondary, selectionMask, sndNke,
} from '../../gateway/protocols/mbus/index.ts';
import type { Exchange } from '../../gateway/protocols/exchange.ts';
import { startMbusSimulator, type MbusSimulator } from '../../simulators/meter/mbus/index.ts';
import { startPtyPair, type PtyPair } from '../support/pty.ts';

/**
 * The M-Bus master against the simulator over real lines: a socat pty pair at 2400 8E1 and a TCP
 * connection to the simulator's transparent serial server. Three slaves share the line: a
 * multi-telegram Supercal 531 at primary 5, a CF Echo II at 7, and a water meter that has no
 * primary address (0) and is reachable by its secondary address only.
 */
const START = Date.parse('2026-03-02T08:00:00Z');
let pty: PtyPair;
let sim: MbusSimulator;
let link: FrameLink;
const opts = { timeoutMs: 400 };

beforeAll(async () => {
  pty = await startPtyPair();
  sim = await startMbusSimulator({
    clock: { start: START, frozen: true },
    meters: [
      { model: SUPERCAL531_MBUS, address: 5, inputs: { flow_m3h: 2.5, supply_temp_c: 75, return_temp_c: 55 }, counters: { heat_energy_kwh: 12345.6, volume_m3: 789.01 } },
      { model: CF_ECHO_II_MBUS, address: 7, inputs: { flow_m3h: 1.2, supply_temp_c: 70, return_temp_c: 52.5 }, counters: { heat_energy_kwh: 4321.9, volume_m3: 100.5 } },
      { model: MBUS_WATER, address: 0, secondary: '12349999', inputs: { flow_m3h: 0.75 }, counters: { volume_m3: 55.555 } },
    ],
    rtu: { path: pty.a },
    rtuOverTcp: { port: 0 },
  });
  link = createFrameLink({ type: 'rtu', path: pty.b, baud: 2400, parity: 'even', dataBits: 8, stopBits: 1 });
});

afterAll(async () => {
  await link?.close();
  await sim?.close();
  await pty?.close();
});

describe('M-Bus master and simulator on a pty line', () => {
  it('reads a multi-telegram Supercal 531: SND_NKE, REQ_UD2 FCB 1 then 0, both telegrams', async () => {
    const seen: Exchange[] = [];
    const r = await readout(link, { primary: 5 }, { ...opts, onExchange: (e) => seen.push(e) });
    expect(r.telegrams).toHaveLength(2);
    expect(r.telegrams[0]!.moreRecords).toBe(true);
    expect(seen.map((e) => e.what)).toEqual(['SND_NKE 5', 'REQ_UD2 5 FCB=1', 'REQ_UD2 5 FCB=0']);
    expect(sim.slave(5).sent).toEqual([0, 1]);
    const { values } = mapRecords(r.records, SUPERCAL531_MBUS.items);
    // Energy is sent in whole MJ (0.2778 kWh) and decoded to 1 Wh, volume in 10 l, the rest as float32.
    expect(values.heat_energy_kwh).toBeCloseTo(Math.floor(12345.6 * 3.6) / 3.6, 3);
    expect(values.volume_m3).toBe(789.01);
    expect(values.supply_temp_c).toBe(75);
    expect(values.return_temp_c).toBe(55);
    expect(values.flow_m3h).toBe(2.5);
    expect(values.heat_power_kw).toBeCloseTo(2.5 * 20 * 1.163, 3);
    // Telegram 2 carries the fabrication number and the meter's clock (UTC+8).
    expect(r.records.find((x) => x.quantity === 'fabrication_number')?.value).toEqual({ kind: 'number', raw: 12340005 });
    expect(r.records.find((x) => x.quantity === 'datetime')?.value).toEqual({ kind: 'date', iso: '2026-03-02T16:00:00' });
  });

  it('asks again with the same FCB after a lost answer and gets the same telegram', async () => {
    await sndNke(link, 5, opts);
    const a = await reqUd2(link, 5, 1, opts);
    const b = await reqUd2(link, 5, 1, opts);
    const c = await reqUd2(link, 5, 0, opts);
    expect(b.records).toEqual(a.records);
    expect(b.header.accessNumber).toBe(a.header.accessNumber);
    expect(c.records.some((x) => x.quantity === 'fabrication_number')).toBe(true);
  });

  it('reads a meter by its secondary address only', async () => {
    const r = await readout(link, { secondary: '12349999' }, opts);
    expect(r.telegrams[0]!.header.secondary).toMatchObject({ id: '12349999', manufacturer: 'ZMS', medium: 0x07 });
    expect(mapRecords(r.records, MBUS_WATER.items).values).toEqual({ volume_m3: 55.555, flow_m3h: 0.75 });
  });

  it('stays silent to an address nobody has', async () => {
    await expect(sndNke(link, 9, { timeoutMs: 200 })).rejects.toMatchObject({ failureClass: 'timeout' });
  });

  it('a primary sweep finds 5 and 7 with their identity', async () => {
    // Generous timeouts: the machine may be busy, and a late answer must not count for the next address.
    const found = await scanPrimary(link, [1, 2, 3, 4, 5, 6, 7, 8], { timeoutMs: 1000 });
    expect(found.map((f) => [f.address, f.secondary?.id, f.secondary?.manufacturer])).toEqual([[5, '12340005', 'SON'], [7, '12340007', 'ACW']]);
  });

  it('a secondary search finds all three although their numbers collide down to the 7th digit', async () => {
    const masks: string[] = [];
    const found = await searchSecondary(link, { timeoutMs: 250, onExchange: (e) => { if (e.what.startsWith('select')) masks.push(e.what); } });
    expect(found.map((f) => f.secondary?.id).sort()).toEqual(['12340005', '12340007', '12349999']);
    // 12340005 and 12340007 answer together until the mask fixes their 8th digit.
    expect(masks).toContain(`select ${selectionMask('12340007').toString('hex')}`);
    expect(masks).not.toContain(`select ${selectionMask('12349999').toString('hex')}`);
    expect(sim.slaves.every((s) => !s.isSelected)).toBe(true);
  }, 50_000);
});

describe('M-Bus over a transparent TCP serial server', () => {
  it('reads the CF Echo II at primary 7', async () => {
    const tcp = createFrameLink({ type: 'rtu-over-tcp', host: sim.rtuOverTcp!.host, port: sim.rtuOverTcp!.port });
    try {
      const r = await readout(tcp, { primary: 7 }, opts);
      expect(r.telegrams).toHaveLength(1);
      const { values } = mapRecords(r.records, CF_ECHO_II_MBUS.items);
      expect(values).toEqual({
        // 1.2 m³/h × 17.5 K × 1.163 = 24.42 kW, sent in 100 W.
        heat_energy_kwh: 4321, volume_m3: 100.5, heat_power_kw: 24.4, flow_m3h: 1.2, supply_temp_c: 70, return_temp_c: 52.5, temp_diff_k: 17.5,
      });
    } finally {
      await tcp.close();
    }
  });
});
