import type { FrameLink } from '../drivers/frame-link.ts';
import { readAddress as dltReadAddress, readDi } from './dlt645/client.ts';
import { readAddress as cjtReadAddress, readMetering } from './cjt188/client.ts';
import { MeterErrorReply } from './errors.ts';
import type { ExchangeSink } from './exchange.ts';
import { SERIAL_PROTOCOLS } from './registry.ts';

/** The protocols whose meters these commands find (M-Bus has its own scan). */
export type ScanProtocol = 'dlt645' | 'cjt188';

export interface ScanHit {
  address: string;
  /** How it answered: `address` (read-address reply), `data`, or `error reply` (it is there but refused the read). */
  answer: 'address' | 'data' | 'error reply';
  meterType?: number;
  detail?: string;
}

export interface ScanOptions {
  timeoutMs: number;
  preamble?: number;
  /** CJ/T 188 type byte to ask with (AAH: any). */
  meterType?: number;
  onExchange?: ExchangeSink;
}

/**
 * A meter alone on its line: the read-address command to the wildcard address (DL/T 645-2007
 * 13H; CJ/T 188 03H with DI 810AH). Two meters answering at once garble each other, so on a
 * shared line use probeAddresses with the nameplate addresses instead.
 */
export async function findAlone(protocol: ScanProtocol, link: FrameLink, opts: ScanOptions): Promise<ScanHit | null> {
  const preamble = opts.preamble ?? SERIAL_PROTOCOLS[protocol].preamble;
  try {
    if (protocol === 'dlt645') {
      const address = await dltReadAddress(link, { preamble, timeoutMs: opts.timeoutMs, onExchange: opts.onExchange });
      return { address, answer: 'address' };
    }
    const r = await cjtReadAddress(link, opts.meterType ?? 0xaa, { preamble, timeoutMs: opts.timeoutMs, onExchange: opts.onExchange });
    return { address: r.address, answer: 'address', meterType: r.meterType };
  } catch (err) {
    if ((err as { failureClass?: string }).failureClass === 'timeout') return null;
    throw err;
  }
}

/**
 * Which of the given nameplate addresses answer on a shared line: each is asked for its metering
 * data (DL/T 645 00010000, CJ/T 188 901FH); an error reply still proves the meter is there.
 */
export async function probeAddresses(
  protocol: ScanProtocol, link: FrameLink, addresses: readonly string[], opts: ScanOptions,
  onProbe?: (address: string, hit: ScanHit | null) => void,
): Promise<ScanHit[]> {
  const preamble = opts.preamble ?? SERIAL_PROTOCOLS[protocol].preamble;
  const hits: ScanHit[] = [];
  for (const address of addresses) {
    let hit: ScanHit | null = null;
    try {
      if (protocol === 'dlt645') await readDi(link, address, 0x00010000, { preamble, timeoutMs: opts.timeoutMs, onExchange: opts.onExchange });
      else await readMetering(link, opts.meterType ?? 0x10, address, '901F', 0, 'water', { preamble, timeoutMs: opts.timeoutMs, onExchange: opts.onExchange });
      hit = { address, answer: 'data' };
    } catch (err) {
      if (err instanceof MeterErrorReply) hit = { address, answer: 'error reply', detail: err.message };
      else if ((err as { failureClass?: string }).failureClass !== 'timeout') hit = { address, answer: 'error reply', detail: (err as Error).message };
    }
    if (hit) hits.push(hit);
    onProbe?.(address, hit);
  }
  return hits;
}
