import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SDM630 } from '../../../gateway/models/eastron.ts';
import { SimClock } from '../../../simulators/meter/clock.ts';
import { SimMeter } from '../../../simulators/meter/meter.ts';
import { crc16, crcOk, RtuRequestReader, withCrc } from '../../../simulators/meter/rtu-frame.ts';
import { serveRtuLine } from '../../../simulators/meter/rtu-line.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CRC-16/MODBUS', () => {
  it('matches published request frames', () => {
    // Read input registers 30001-30002 of unit 1 (Eastron protocol example).
    expect(withCrc(1, hex('04 0000 0002'))).toEqual(hex('01 04 00 00 00 02 71 CB'));
    // Modicon PI-MBUS-300: read holding registers 40108-40110 of slave 17.
    expect(withCrc(0x11, hex('03 006B 0003'))).toEqual(hex('11 03 00 6B 00 03 76 87'));
    expect(crc16(hex('01 03 00 00 00 0A'))).toBe(0xcdc5);
    expect(crcOk(hex('01 03 00 00 00 0A C5 CD'))).toBe(true);
    expect(crcOk(hex('01 03 00 00 00 0A C5 CE'))).toBe(false);
  });
});

describe('RTU request reader', () => {
  it('cuts frames out of arbitrary chunks and resynchronises after noise', async () => {
    const frames: string[] = [];
    const r = new RtuRequestReader((f) => frames.push(f.toString('hex')), 10);
    const stream = Buffer.concat([hex('01 04 00 00 00 02 71 CB'), hex('FF 13'), hex('11 03 00 6B 00 03 76 87')]);
    for (let i = 0; i < stream.length; i += 3) r.push(stream.subarray(i, i + 3));
    await wait(30);
    expect(frames).toEqual(['010400000002' + '71cb', '1103006b0003' + '7687']);
  });

  it('drops a frame with a bad CRC, and ends a frame of unknown length on silence', async () => {
    const frames: string[] = [];
    const r = new RtuRequestReader((f) => frames.push(f.toString('hex')), 10);
    r.push(hex('01 04 00 00 00 02 71 CC'));
    await wait(30);
    r.push(withCrc(1, hex('2B 0E 01 00')));
    expect(frames).toEqual([]);
    await wait(30);
    expect(frames).toEqual([withCrc(1, hex('2B 0E 01 00')).toString('hex')]);
  });
});

/** A line where the test plays the master: what it writes, the meters hear. */
class Line extends EventEmitter {
  readonly sent: Buffer[] = [];
  write(data: Buffer) {
    this.sent.push(Buffer.from(data));
  }
  async ask(frame: Buffer, ms = 30): Promise<string[]> {
    this.sent.length = 0;
    this.emit('data', frame);
    await wait(ms);
    return this.sent.map((b) => b.toString('hex'));
  }
}

function line() {
  const clock = new SimClock({ start: Date.UTC(2025, 0, 1), frozen: true });
  const meters = new Map([1, 2].map((id) => [id, new SimMeter({ unitId: id, model: SDM630 }, clock, 5)]));
  const link = new Line();
  let dropped = 0;
  const detach = serveRtuLine(link, meters, 5, { silenceMs: 10, onDisconnect: () => dropped++ });
  return { meters, link, detach, dropped: () => dropped };
}

describe('RTU line', () => {
  it('answers a read with the registers of the addressed unit only', async () => {
    const { meters, link, detach } = line();
    meters.get(2)!.set({ power_kw: 7.5 });
    const [answer, ...more] = await link.ask(withCrc(2, hex('04 0034 0002')));
    expect(more).toEqual([]);
    const f = Buffer.from(answer!, 'hex');
    expect(crcOk(f)).toBe(true);
    expect([...f.subarray(0, 3)]).toEqual([2, 4, 4]);
    expect(f.readFloatBE(3)).toBe(7500);
    expect(await link.ask(withCrc(9, hex('04 0000 0002')))).toEqual([]);
    // Broadcast (unit 0) is never answered (Modbus over Serial Line 2.1).
    expect(await link.ask(withCrc(0, hex('04 0000 0002')))).toEqual([]);
    detach();
  });

  it('answers exceptions 01, 02 and 03 (Modbus Application Protocol 7)', async () => {
    const { link, detach } = line();
    expect(await link.ask(withCrc(1, hex('01 0000 0001')))).toEqual([withCrc(1, hex('81 01')).toString('hex')]);
    expect(await link.ask(withCrc(1, hex('06 0000 0001')))).toEqual([withCrc(1, hex('86 01')).toString('hex')]);
    // Out of the register map, and holding registers the SDM630 table does not define.
    expect(await link.ask(withCrc(1, hex('04 0100 0002')))).toEqual([withCrc(1, hex('84 02')).toString('hex')]);
    expect(await link.ask(withCrc(1, hex('03 0000 0002')))).toEqual([withCrc(1, hex('83 02')).toString('hex')]);
    // Quantity 0, above 125 (spec 6.4), and above the Eastron limit of 80.
    expect(await link.ask(withCrc(1, hex('04 0000 0000')))).toEqual([withCrc(1, hex('84 03')).toString('hex')]);
    expect(await link.ask(withCrc(1, hex('04 0000 007E')))).toEqual([withCrc(1, hex('84 03')).toString('hex')]);
    expect(await link.ask(withCrc(1, hex('04 0000 0051')))).toEqual([withCrc(1, hex('84 03')).toString('hex')]);
    detach();
  });

  it('reads registers no definition covers, inside the map, as zero', async () => {
    const { link, detach } = line();
    const [a] = await link.ask(withCrc(1, hex('04 0012 0004')));
    expect(a).toBe(withCrc(1, hex('04 08 0000 0000 0000 0000')).toString('hex'));
    detach();
  });

  it('shows faults on demand: silence, delay, exception, bad CRC, garbage, disconnect', async () => {
    const { meters, link, detach, dropped } = line();
    const m = meters.get(1)!;
    const req = withCrc(1, hex('04 0000 0002'));
    const good = (await link.ask(req))[0]!;
    m.fault({ kind: 'silent', times: 1 });
    expect(await link.ask(req)).toEqual([]);
    expect(await link.ask(req)).toEqual([good]);
    m.fault({ kind: 'delay', ms: 80 });
    expect(await link.ask(req, 40)).toEqual([]);
    await wait(70);
    expect(link.sent.map((b) => b.toString('hex'))).toEqual([good]);
    m.fault({ kind: 'exception', code: 6 });
    expect(await link.ask(req)).toEqual([withCrc(1, hex('84 06')).toString('hex')]);
    m.fault({ kind: 'bad_crc' });
    const [bad] = await link.ask(req);
    expect(bad!.slice(0, -4)).toBe(good.slice(0, -4));
    expect(crcOk(Buffer.from(bad!, 'hex'))).toBe(false);
    m.fault({ kind: 'garbage', length: 5 });
    const [junk] = await link.ask(req);
    expect(junk).toHaveLength(10);
    expect(crcOk(Buffer.from(junk!, 'hex'))).toBe(false);
    m.fault({ kind: 'disconnect' });
    expect(await link.ask(req)).toEqual([]);
    expect(dropped()).toBe(1);
    m.fault(null);
    expect(await link.ask(req)).toEqual([good]);
    detach();
  });
});
