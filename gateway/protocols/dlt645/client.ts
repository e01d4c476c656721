import type { FrameLink } from '../../drivers/frame-link.ts';
import { FrameError, MeterErrorReply } from '../errors.ts';
import { addressDigits, hex2 } from '../bcd.ts';
import type { ExchangeSink } from '../exchange.ts';
import {
  ABNORMAL, FN_READ, FN_READ_ADDRESS, FN_READ_FOLLOW, FOLLOWS, REPLY, describeErrorWord, diBytes, diText, isPermanentError,
  readAddressRequest, readFollowRequest, readRequest, scanFrame, type Dlt645Frame,
} from './frame.ts';

export interface Dlt645Options {
  preamble: number;
  timeoutMs: number;
  onExchange?: ExchangeSink | undefined;
}

/**
 * The first reply frame (direction bit set) in the bytes received so far. A master frame — our
 * own request echoed by a two-wire converter — is stepped over, not mistaken for an answer.
 */
function replyIn(buf: Buffer): Dlt645Frame | undefined {
  let from = 0;
  for (;;) {
    const r = scanFrame(buf.subarray(from));
    if (r === null || 'need' in r) return undefined;
    if (r.control & REPLY) return r;
    from += r.skipped + r.length;
  }
}

async function exchange(link: FrameLink, request: Buffer, opts: Dlt645Options, what: string): Promise<Dlt645Frame> {
  let raw: Buffer = Buffer.alloc(0);
  const frame = await link.transact(request, (b) => {
    raw = b;
    return replyIn(b);
  }, opts.timeoutMs);
  opts.onExchange?.({ what, request, response: Buffer.from(raw) });
  return frame;
}

function checkReply(f: Dlt645Frame, address: string, fn: number, di: number): void {
  if (f.address !== address) throw new FrameError('ERR_FRAME_ADDRESS', `answer from address ${f.address}, asked ${address}`);
  if ((f.control & 0x1f) !== fn) throw new FrameError('ERR_FRAME_CONTROL', `control code ${hex2(f.control)} does not answer ${hex2(fn)}`);
  if (f.control & ABNORMAL) {
    const word = f.data[0] ?? 0;
    throw new MeterErrorReply(`DL/T 645 error reply for DI ${diText(di)}: ${describeErrorWord(word)} (error word ${hex2(word)})`, word, isPermanentError(word));
  }
  if (f.data.length < 4 || f.data.readUInt32LE(0) !== di >>> 0) {
    throw new FrameError('ERR_FRAME_DATA', `answer carries DI ${f.data.length >= 4 ? diText(f.data.readUInt32LE(0)) : '(none)'}, asked ${diText(di)}`);
  }
}

/**
 * Reads one data identifier (DL/T 645-2007 7.x, 11H → 91H) and returns the value bytes after
 * the DI. An answer with the follow-up bit (B1H) is completed with 12H requests carrying a frame
 * sequence number, answered by B2H … 92H, each repeating the DI and ending with its sequence.
 */
export async function readDi(link: FrameLink, address: string, di: number, opts: Dlt645Options): Promise<Buffer> {
  const first = await exchange(link, readRequest(address, di, opts.preamble), opts, `read ${diText(di)}`);
  checkReply(first, address, FN_READ, di);
  const parts = [first.data.subarray(4)];
  let more = (first.control & FOLLOWS) !== 0;
  for (let seq = 1; more; seq++) {
    if (seq > 255) throw new FrameError('ERR_FRAME_DATA', `DI ${diText(di)}: more than 255 follow-up frames`);
    const f = await exchange(link, readFollowRequest(address, di, seq, opts.preamble), opts, `read ${diText(di)} follow-up ${seq}`);
    checkReply(f, address, FN_READ_FOLLOW, di);
    const body = f.data.subarray(4);
    if (body.length < 1 || body[body.length - 1] !== (seq & 0xff)) throw new FrameError('ERR_FRAME_DATA', `DI ${diText(di)}: follow-up frame ${seq} carries the wrong sequence number`);
    parts.push(body.subarray(0, body.length - 1));
    more = (f.control & FOLLOWS) !== 0;
  }
  return Buffer.concat(parts);
}

/** 7.x read address (13H → 93H): only a meter alone on its line can answer the wildcard. */
export async function readAddress(link: FrameLink, opts: Dlt645Options): Promise<string> {
  const f = await exchange(link, readAddressRequest(opts.preamble), opts, 'read address');
  if ((f.control & 0x1f) !== FN_READ_ADDRESS) throw new FrameError('ERR_FRAME_CONTROL', `control code ${hex2(f.control)} does not answer 13H`);
  if (f.control & ABNORMAL) throw new MeterErrorReply(`DL/T 645 error reply to read address: ${describeErrorWord(f.data[0] ?? 0)}`, f.data[0] ?? 0, false);
  if (f.data.length !== 6) throw new FrameError('ERR_FRAME_LENGTH', `read-address answer has ${f.data.length} data bytes, expected 6`);
  const inData = addressDigits(f.data);
  if (inData !== f.address) throw new FrameError('ERR_FRAME_ADDRESS', `read-address answer names ${inData} in its data but ${f.address} in its header`);
  return f.address;
}

export { diBytes };
