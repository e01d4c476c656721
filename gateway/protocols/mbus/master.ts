import type { FrameLink } from '../../drivers/frame-link.ts';
import type { ExchangeSink } from '../exchange.ts';
import { MbusError } from './errors.ts';
import {
  ADDRESS_NETWORK, FCB, FCV, REQ_UD2, SND_NKE, SND_UD, encodeLong, encodeShort, takeFrame, type Frame,
} from './frame.ts';
import { CI, decodeTelegram, type SecondaryId, type Telegram } from './telegram.ts';
import type { DataRecord } from './records.ts';

/**
 * The master side of EN 13757-2/-3 on a FrameLink (serial line through a level converter, or a
 * transparent TCP serial server): SND_NKE, REQ_UD2 with the frame count bit, multi-telegram
 * readout, selection by secondary address, a primary sweep and a collision-aware secondary search.
 */
export interface MasterOptions {
  timeoutMs: number;
  onExchange?: ExchangeSink | undefined;
}

/** How many telegrams one readout may take (DIF 1FH chains); a slave that never ends is cut off. */
export const MAX_TELEGRAMS = 16;

/** Primary address 1–250, or an 8-digit identification number selected through FDH. */
export type MbusTarget = { readonly primary: number } | { readonly secondary: string };

export function describeTarget(t: MbusTarget): string {
  return 'primary' in t ? `primary ${t.primary}` : `secondary ${t.secondary}`;
}

async function exchange(link: FrameLink, request: Buffer, opts: MasterOptions, what: string): Promise<Frame> {
  let raw: Buffer = Buffer.alloc(0);
  try {
    return await link.transact(request, (b) => {
      raw = b;
      return takeFrame(b)?.frame;
    }, opts.timeoutMs);
  } finally {
    opts.onExchange?.({ what, request, response: Buffer.from(raw) });
  }
}

function expectAck(f: Frame, what: string): void {
  if (f.type !== 'ack') throw new MbusError('ERR_MBUS_FRAME_UNEXPECTED', `${what}: expected E5, got a ${f.type} frame`);
}

/** SND_NKE: resets the slave's link layer (its FCB expectation, the multi-telegram position). */
export async function sndNke(link: FrameLink, address: number, opts: MasterOptions): Promise<void> {
  expectAck(await exchange(link, encodeShort(SND_NKE, address), opts, `SND_NKE ${address}`), 'SND_NKE');
}

/** REQ_UD2 with FCV set and the given FCB; returns the decoded RSP_UD. */
export async function reqUd2(link: FrameLink, address: number, fcb: 0 | 1, opts: MasterOptions): Promise<Telegram> {
  const f = await exchange(link, encodeShort(REQ_UD2 | FCV | (fcb ? FCB : 0), address), opts, `REQ_UD2 ${address} FCB=${fcb}`);
  return decodeTelegram(f);
}

/**
 * The 8 selection bytes of CI 52H (EN 13757-3 11.4): identification number BCD low byte first,
 * manufacturer, version, medium; FH nibbles and FFH bytes match anything.
 */
export function selectionMask(id: string, sel: { manufacturer?: number; version?: number; medium?: number } = {}): Buffer {
  if (!/^[0-9Ff]{8}$/.test(id)) throw new MbusError('ERR_MBUS_HEADER', `secondary address mask must be 8 digits or F, got "${id}"`, 'permanent');
  const digits = Buffer.from(id.toUpperCase().match(/../g)!.reverse().map((p) => parseInt(p, 16)));
  const m = sel.manufacturer ?? 0xffff;
  return Buffer.concat([digits, Buffer.from([m & 0xff, m >> 8, sel.version ?? 0xff, sel.medium ?? 0xff])]);
}

export type SelectResult = 'none' | 'ack' | 'collision';

/** SND_UD CI 52H to FDH. A garbled answer means several slaves answered at once. */
export async function select(link: FrameLink, mask: Buffer, opts: MasterOptions): Promise<SelectResult> {
  try {
    const f = await exchange(link, encodeLong(SND_UD, ADDRESS_NETWORK, CI.SELECT, mask), opts, `select ${mask.toString('hex')}`);
    expectAck(f, 'select');
    return 'ack';
  } catch (err) {
    if ((err as { failureClass?: string }).failureClass === 'timeout') return 'none';
    if (err instanceof MbusError && err.code.startsWith('ERR_MBUS_FRAME')) return 'collision';
    throw err;
  }
}

export interface Readout {
  telegrams: Telegram[];
  /** Every record of every telegram, renumbered in order (manufacturer data and 1FH markers dropped). */
  records: DataRecord[];
}

function checkFrom(t: Telegram, target: MbusTarget): void {
  if ('primary' in target) {
    if (t.address !== target.primary) throw new MbusError('ERR_MBUS_FRAME_UNEXPECTED', `answer from primary address ${t.address}, asked ${target.primary}`);
  } else if (t.header.secondary && t.header.secondary.id !== target.secondary) {
    throw new MbusError('ERR_MBUS_FRAME_UNEXPECTED', `answer from secondary address ${t.header.secondary.id}, selected ${target.secondary}`);
  }
}

/**
 * One complete readout: SND_NKE (or selection), then REQ_UD2 with FCB toggled per telegram while
 * the slave says more records follow (EN 13757-3 6.3.2, DIF 1FH). A timeout is retried once with
 * the same FCB, which asks the slave for the same telegram again (EN 13757-2 5.5).
 */
export async function readout(link: FrameLink, target: MbusTarget, opts: MasterOptions): Promise<Readout> {
  let address: number;
  if ('primary' in target) {
    address = target.primary;
    await sndNke(link, address, opts);
  } else {
    address = ADDRESS_NETWORK;
    const r = await select(link, selectionMask(target.secondary), opts);
    if (r === 'none') throw new MbusError('ERR_MBUS_FRAME_UNEXPECTED', `no slave answered the selection of ${target.secondary}`, 'transient');
    if (r === 'collision') throw new MbusError('ERR_MBUS_COLLISION', `several slaves answered the selection of ${target.secondary}`);
  }
  const telegrams: Telegram[] = [];
  let fcb: 0 | 1 = 1;
  for (;;) {
    let t: Telegram;
    try {
      t = await reqUd2(link, address, fcb, opts);
    } catch (err) {
      if ((err as { failureClass?: string }).failureClass !== 'timeout') throw err;
      t = await reqUd2(link, address, fcb, opts);
    }
    checkFrom(t, target);
    telegrams.push(t);
    if (!t.moreRecords) break;
    if (telegrams.length >= MAX_TELEGRAMS) throw new MbusError('ERR_MBUS_RECORD', `slave still has more records after ${MAX_TELEGRAMS} telegrams`);
    fcb = fcb ? 0 : 1;
  }
  const records = telegrams.flatMap((t) => t.records.filter((r) => r.special === undefined)).map((r, index) => ({ ...r, index }));
  return { telegrams, records };
}

export interface Found {
  address: number;
  secondary?: SecondaryId;
  telegram?: Telegram;
  error?: string;
}

/** Primary sweep: SND_NKE to each address; an E5 is followed by a REQ_UD2 for the identity. */
export async function scanPrimary(link: FrameLink, addresses: readonly number[], opts: MasterOptions, onFound?: (f: Found) => void): Promise<Found[]> {
  const out: Found[] = [];
  for (const a of addresses) {
    try {
      await sndNke(link, a, opts);
    } catch (err) {
      if ((err as { failureClass?: string }).failureClass === 'timeout') continue;
      // A damaged E5: two slaves on one primary address, or noise. Report it, keep sweeping.
      const f = { address: a, error: (err as Error).message };
      out.push(f);
      onFound?.(f);
      continue;
    }
    let found: Found;
    try {
      const t = await reqUd2(link, a, 1, opts);
      // A late answer to an earlier request would name another address: never file it under this one.
      if (t.address !== a) throw new MbusError('ERR_MBUS_FRAME_UNEXPECTED', `answer from primary address ${t.address}, asked ${a}`);
      found = { address: a, telegram: t, ...(t.header.secondary ? { secondary: t.header.secondary } : {}) };
    } catch (err) {
      found = { address: a, error: (err as Error).message };
    }
    out.push(found);
    onFound?.(found);
  }
  return out;
}

/**
 * Secondary search (EN 13757-3 Annex: wildcard search): select with the identification number's
 * digits fixed one by one from the most significant, the rest FH. No answer: nobody there. A clean
 * answer to the selection and to the REQ_UD2 that follows: exactly one slave, read its identity.
 * A damaged answer to either: several slaves match, so fix the next digit.
 */
export async function searchSecondary(link: FrameLink, opts: MasterOptions, onFound?: (f: Found) => void): Promise<Found[]> {
  const out: Found[] = [];
  const visit = async (prefix: string): Promise<void> => {
    for (let d = 0; d <= 9; d++) {
      const mask = `${prefix}${d}`.padEnd(8, 'F');
      const sel = await select(link, selectionMask(mask), opts);
      if (sel === 'none') continue;
      let one: Telegram | undefined;
      let collided = sel === 'collision';
      if (!collided) {
        try {
          one = await reqUd2(link, ADDRESS_NETWORK, 1, opts);
        } catch (err) {
          if ((err as { failureClass?: string }).failureClass === 'timeout') continue;
          collided = true;
        }
      }
      // The identity must fit the mask; one that does not is a late or overlapping answer.
      if (!collided && one?.header.secondary && ![...mask].every((c, i) => c === 'F' || c === one!.header.secondary!.id[i])) collided = true;
      if (collided) {
        if (prefix.length + 1 < 8) { await visit(`${prefix}${d}`); continue; }
        const f = { address: ADDRESS_NETWORK, error: `several slaves share identification number ${mask}` };
        out.push(f);
        onFound?.(f);
        continue;
      }
      const f: Found = { address: one!.address, telegram: one!, ...(one!.header.secondary ? { secondary: one!.header.secondary } : {}) };
      out.push(f);
      onFound?.(f);
    }
  };
  await visit('');
  // Leave no slave selected behind (SND_NKE to FDH ends the selection).
  try { await sndNke(link, ADDRESS_NETWORK, opts); } catch { /* nobody selected */ }
  return out;
}
