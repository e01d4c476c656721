import type { FrameLink } from '../../drivers/frame-link.ts';
import { FrameError, MeterErrorReply } from '../errors.ts';
import { hex2, hexOf } from '../bcd.ts';
import type { ExchangeSink } from '../exchange.ts';
import {
  ABNORMAL, DI_ADDRESS, DI_METERING, FN_READ, FN_READ_ADDRESS, REPLY, dataDi, meterTypeKind, readAddressRequest, readRequest, scanFrame,
  type Cjt188Frame,
} from './frame.ts';
import { decodeMetering, type Cjt188Metering } from './values.ts';

export interface Cjt188Options {
  preamble: number;
  timeoutMs: number;
  onExchange?: ExchangeSink | undefined;
}

function replyIn(buf: Buffer): Cjt188Frame | undefined {
  let from = 0;
  for (;;) {
    const r = scanFrame(buf.subarray(from));
    if (r === null || 'need' in r) return undefined;
    if (r.control & REPLY) return r;
    from += r.skipped + r.length;
  }
}

async function exchange(link: FrameLink, request: Buffer, opts: Cjt188Options, what: string): Promise<Cjt188Frame> {
  let raw: Buffer = Buffer.alloc(0);
  const frame = await link.transact(request, (b) => {
    raw = b;
    return replyIn(b);
  }, opts.timeoutMs);
  opts.onExchange?.({ what, request, response: Buffer.from(raw) });
  return frame;
}

/** Checks an answer to a read and returns its DATA. */
export function checkReadReply(f: Cjt188Frame, meterType: number, address: string): Buffer {
  if (f.address !== address) throw new FrameError('ERR_FRAME_ADDRESS', `answer from address ${f.address}, asked ${address}`);
  // Some meters answer with a neighbouring type of the same family (11H for 10H); another family is another meter.
  if (meterTypeKind(f.meterType) !== meterTypeKind(meterType)) {
    throw new FrameError('ERR_FRAME_DATA', `answer from a meter of type ${hex2(f.meterType)}, asked type ${hex2(meterType)}`);
  }
  if ((f.control & 0x3f) !== FN_READ) throw new FrameError('ERR_FRAME_CONTROL', `control code ${hex2(f.control)} does not answer 01H`);
  if (f.control & ABNORMAL) {
    const st = f.data.length >= 2 ? f.data.readUInt16LE(f.data.length - 2) : 0;
    throw new MeterErrorReply(`CJ/T 188 abnormal reply (data ${hexOf(f.data)})`, st, false);
  }
  const di = dataDi(f.data);
  if (!di || di.di !== DI_METERING) throw new FrameError('ERR_FRAME_DATA', `answer does not carry DI 901F (data ${hexOf(f.data.subarray(0, 2))})`);
  return f.data;
}

/** 6.3 read data, DI 901FH → the metering fields. */
export async function readMetering(
  link: FrameLink, meterType: number, address: string, diOrder: '901F' | '1F90', ser: number, layout: 'water' | 'heat', opts: Cjt188Options,
  unitFirst = false,
): Promise<Cjt188Metering> {
  const f = await exchange(link, readRequest(meterType, address, diOrder, ser, opts.preamble), opts, 'read 901F');
  return decodeMetering(checkReadReply(f, meterType, address), layout, unitFirst);
}

/** Read address (03H, DI 810AH → 83H) to the wildcard: only a meter alone on its line can answer. */
export async function readAddress(link: FrameLink, meterType: number, opts: Cjt188Options): Promise<{ address: string; meterType: number }> {
  const f = await exchange(link, readAddressRequest(meterType, 0, opts.preamble), opts, 'read address');
  if ((f.control & 0x3f) !== FN_READ_ADDRESS) throw new FrameError('ERR_FRAME_CONTROL', `control code ${hex2(f.control)} does not answer 03H`);
  const di = dataDi(f.data);
  if (!di || di.di !== DI_ADDRESS) throw new FrameError('ERR_FRAME_DATA', `read-address answer does not carry DI 810A (data ${hexOf(f.data)})`);
  return { address: f.address, meterType: f.meterType };
}
