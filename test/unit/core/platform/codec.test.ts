import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decrypt, encrypt } from '../../../../core/platform/cipher.ts';
import { PlatformCodec } from '../../../../core/platform/codec.ts';
import { crc16 } from '../../../../core/platform/crc16.ts';
import { DIALECTS } from '../../../../core/platform/dialects.ts';
import { decodeFrame, encodeFrame } from '../../../../core/platform/frame.ts';
import { buildXml, guidelineTime, parseGuidelineTime, parseMessage, type Message } from '../../../../core/platform/messages.ts';

const capture = JSON.parse(readFileSync(new URL('../../../fixtures/platforms/renewedsender-capture.json', import.meta.url), 'utf8')) as {
  frameHex: string; keyAscii: string; ivAscii: string; expected: { length: number; crc: string; projectId: string; gatewayId: string; type: string };
};
const frame = Buffer.from(capture.frameHex, 'hex');
const key = Buffer.from(capture.keyAscii, 'latin1');
const iv = Buffer.from(capture.ivAscii, 'latin1');
const renewable = DIALECTS.renewable;
const gb2008 = DIALECTS.gb2008;

describe('CRC16', () => {
  it('is CRC-16/XMODEM (catalogue check value of "123456789" is 0x31C3)', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });
});

describe('the captured RenewEDSenderM frame', () => {
  it('passes its CRC, decrypts with its key and parses as an id_validate request', () => {
    // The CRC of everything up to and including a big-endian CRC is 0.
    expect(crc16(frame.subarray(0, frame.length - 4))).toBe(0);
    expect(frame.readUInt32LE(4)).toBe(capture.expected.length);
    const f = decodeFrame(renewable, frame);
    expect(f.cipher.length).toBe(capture.expected.length - 4);
    expect(frame.subarray(frame.length - 6, frame.length - 4).toString('hex')).toBe(capture.expected.crc);
    const codec = new PlatformCodec({ dialect: 'renewable', key, iv, maxFrameBytes: 1 << 20, maxMeters: 10 });
    const m = codec.decode(f);
    expect(m).toEqual({ building: capture.expected.projectId, gateway: capture.expected.gatewayId, body: { type: 'request' } });
    expect(codec.xmlOf(f)).toMatch(/^<\?xml version="1.0" encoding="utf-8" \?><root><common><project_id>/);
  });

  it('is reproduced byte for byte by the project\'s own encryption and framing', () => {
    const f = decodeFrame(renewable, frame);
    const plain = decrypt(f.cipher, { key, iv, padding: 'ascii0' });
    const again = encodeFrame(renewable, { seq: f.seq, cipher: encrypt(plain, { key, iv, padding: 'ascii0' }) });
    expect(again.toString('hex')).toBe(frame.toString('hex'));
  });

  it('has the same layout as what the reporter sends in the renewable dialect', () => {
    const codec = new PlatformCodec({ dialect: 'renewable', key, iv, maxFrameBytes: 1 << 20, maxMeters: 10 });
    const ours = codec.encode({ building: capture.expected.projectId, gateway: capture.expected.gatewayId, body: { type: 'request' } }, 0x42ec9216);
    const len = ours.readUInt32LE(4);
    expect(ours.subarray(0, 4)).toEqual(frame.subarray(0, 4));
    expect(ours.subarray(8, 12)).toEqual(frame.subarray(8, 12));
    expect(ours.subarray(-4)).toEqual(frame.subarray(-4));
    expect(ours.length).toBe(14 + len);
    expect((len - 4) % 16).toBe(0);
    expect(crc16(ours.subarray(0, ours.length - 4))).toBe(0);
    const plain = decrypt(decodeFrame(renewable, ours).cipher, { key, iv, padding: 'ascii0' }).toString('utf8');
    expect(plain).toContain('<project_id>110000015</project_id><gateway_id>1100000140202</gateway_id><type>request</type>');
  });

  it('fails its CRC when any byte of the ciphertext is changed', () => {
    const bad = Buffer.from(frame);
    bad[100]! ^= 0x01;
    expect(() => decodeFrame(renewable, bad)).toThrow(expect.objectContaining({ fault: 'bad_crc' }));
  });

  it('is refused as bad padding under a wrong key', () => {
    const f = decodeFrame(renewable, frame);
    expect(() => decrypt(f.cipher, { key: Buffer.from('0000000000654321'), iv, padding: 'ascii0' })).toThrow(expect.objectContaining({ fault: 'bad_padding' }));
  });

  it('is not a gb2008 frame (head and tail are swapped there)', () => {
    expect(() => decodeFrame(gb2008, frame)).toThrow(expect.objectContaining({ fault: 'bad_frame' }));
  });
});

describe('gb2008 framing', () => {
  const codec = new PlatformCodec({ dialect: 'gb2008', key: Buffer.alloc(16, 7), iv: Buffer.alloc(16, 9), maxFrameBytes: 4096, maxMeters: 10 });
  const msg: Message = {
    building: '330100A088', gateway: '01',
    body: { type: 'report', sequence: 12, time: '20250102030000', meters: [{ id: 1, name: 'main-elec', functions: [{ id: 1, coding: '01000', error: '192', value: 1234.5 }] }], items: [{ coding: '01A00', error: '0', value: null }] },
  };

  it('puts 55 AA 55 AA first, the length little-endian, the CRC of the payload little-endian and 68 68 16 16 last', () => {
    const bytes = codec.encode(msg, 0x01020304);
    expect(bytes.subarray(0, 4).toString('hex')).toBe('55aa55aa');
    expect(bytes.subarray(-4).toString('hex')).toBe('68681616');
    const len = bytes.readUInt32LE(4);
    expect(bytes.length).toBe(14 + len);
    expect(bytes.subarray(8, 12).toString('hex')).toBe('04030201');
    expect(bytes.readUInt16LE(8 + len)).toBe(crc16(bytes.subarray(8, 8 + len)));
    expect((len - 4) % 16).toBe(0);
  });

  it('round-trips a report, keeping a missing value as missing', () => {
    const [f] = codec.reader().push(codec.encode(msg, 5));
    if (!f || !('seq' in f)) throw new Error('expected a frame');
    expect(f.seq).toBe(5);
    expect(codec.decode(f)).toEqual(msg);
  });

  it('finds frames split across reads and after garbage, and refuses an oversized length before buffering it', () => {
    const a = codec.encode(msg, 1);
    const b = codec.encode({ ...msg, body: { type: 'notify' } }, 2);
    const stream = Buffer.concat([Buffer.from('noise'), a, b]);
    const r = codec.reader();
    const got = [...r.push(stream.subarray(0, 7)), ...r.push(stream.subarray(7, 60)), ...r.push(stream.subarray(60))];
    expect(got.map((f) => ('seq' in f ? f.seq : f.fault))).toEqual([1, 2]);
    expect(r.skipped).toBe(5);
    const bad = codec.encode(msg, 3);
    bad[30]! ^= 1;
    expect(codec.reader().push(Buffer.concat([bad, a])).map((f) => ('seq' in f ? f.seq : f.fault))).toEqual(['bad_crc', 1]);
    const huge = Buffer.concat([gb2008.head, Buffer.from([0xff, 0xff, 0xff, 0x7f])]);
    expect(() => codec.reader().push(huge)).toThrow(expect.objectContaining({ fault: 'too_large' }));
  });
});

describe('a vendor framing given as configuration', () => {
  it('replaces the named dialect\'s facts one by one', () => {
    // gb2008's XML and padding, with the RenewEDSenderM framing and CRC.
    const codec = new PlatformCodec({
      dialect: 'gb2008', key: Buffer.alloc(16, 1), iv: Buffer.alloc(16, 2), maxFrameBytes: 4096, maxMeters: 10,
      framing: { head: '68681616', tail: '55aa55aa', crcScope: 'frame', crcEndian: 'be' },
    });
    const bytes = codec.encode({ building: '330100A088', gateway: '01', body: { type: 'request' } }, 1);
    expect(bytes.subarray(0, 4).toString('hex')).toBe('68681616');
    expect(bytes.subarray(-4).toString('hex')).toBe('55aa55aa');
    expect(crc16(bytes.subarray(0, bytes.length - 4))).toBe(0);
    const [f] = codec.reader().push(bytes);
    if (!f || f instanceof Error) throw new Error('expected a frame');
    expect(codec.decode(f)).toEqual({ building: '330100A088', gateway: '01', body: { type: 'request' } });
    expect(codec.xmlOf(f)).toContain('<building_id>330100A088</building_id>');
    expect(() => decodeFrame(gb2008, bytes)).toThrow(expect.objectContaining({ fault: 'bad_frame' }));
  });
});

describe('messages', () => {
  const parse = (xml: string) => parseMessage(gb2008, xml, { maxMeters: 2 });
  const wrap = (type: string, body: string) => `<root><common><building_id>330100A088</building_id><gateway_id>01</gateway_id><type>${type}</type></common>${body}</root>`;

  it('escapes what it writes and reads it back', () => {
    const m: Message = { building: 'B<&>"', gateway: "g'1", body: { type: 'sequence', sequence: '12&34' } };
    expect(parse(buildXml(gb2008, m))).toEqual(m);
  });

  it('names what is wrong with malformed XML', () => {
    expect(() => parse(wrap('request', '<id_validate operation="request">'))).toThrow(/<\/root> closes <id_validate>/);
    expect(() => parse(wrap('md5', '<id_validate operation="request"/>'))).toThrow(/does not match <type>md5/);
    expect(() => parse(wrap('fly', ''))).toThrow(/unknown <type>/);
    expect(() => parse(`<!DOCTYPE x [<!ENTITY a "b">]>${wrap('request', '<id_validate operation="request"/>')}`)).toThrow(/DTD/);
    expect(() => parse(wrap('report', '<data operation="report"><sequence>1</sequence><time>20250101000000</time><meter id="1"/><meter id="2"/><meter id="3"/></data>'))).toThrow(/3 meters in one message; the limit is 2/);
    expect(() => parse(wrap('report', '<data operation="report"><sequence>x</sequence><time>1</time></data>'))).toThrow(/<sequence> "x"/);
  });

  it('writes and reads the guideline time on the site clock', () => {
    const t = Date.UTC(2025, 0, 1, 16, 15, 0);
    expect(guidelineTime(t, 480)).toBe('20250102001500');
    expect(parseGuidelineTime('20250102001500', 480)).toBe(t);
    expect(() => parseGuidelineTime('20250230001500', 480)).toThrow(/calendar/);
  });
});
