import type { Reading } from '../../core/index.ts';
import type { Accepted, Rejected } from './validate.ts';

interface MeterOrder {
  /** Journal seq and ts of the newest reading accepted in the stream. */
  seq: number;
  ts: number;
  /** Seqs refused lately: the same reading sent again (its ack lost) is refused again. */
  refused: number[];
}

const REMEMBER_REFUSED = 64;

const iso = (t: number) => new Date(t).toISOString();

/**
 * Reading order within a gateway's stream (core BatchSchema.stream): a gateway journals each
 * meter's readings in the order it read them, so a reading that comes later in the stream than
 * one with a newer timestamp was stamped by a clock that went back, and is refused (out_of_order).
 * Late history is not refused: it travels without a stream (backfills, imports), and the gateway
 * re-sending what it sent before (go-back-N after a lost ack) is recognised by its seq.
 *
 * The state is this process's, per gateway its latest stream only, per meter one entry: bounded by
 * the manifests. After a restart, or with several ingestors sharing the batches, a reading is
 * judged against what this process saw; that can miss an out-of-order reading, never refuse a good one.
 */
export class StreamOrder {
  private readonly gateways = new Map<string, { stream: string; meters: Map<string, MeterOrder> }>();

  /** Splits `accepted` readings of a stream batch; `seqOf` gives each one's journal seq. */
  check(site: string, gateway: string, stream: string, accepted: Accepted[], seqOf: (r: Reading) => number | undefined): { kept: Accepted[]; refused: Rejected[] } {
    const key = `${site}/${gateway}`;
    let g = this.gateways.get(key);
    if (!g || g.stream !== stream) {
      // A new stream is a new journal: its seqs say nothing about the old one's.
      g = { stream, meters: new Map() };
      this.gateways.set(key, g);
    }
    const kept: Accepted[] = [];
    const refused: Rejected[] = [];
    for (const a of accepted) {
      const seq = seqOf(a.reading);
      const last = g.meters.get(a.reading.meter);
      if (seq === undefined || !last) {
        if (seq !== undefined) g.meters.set(a.reading.meter, { seq, ts: a.reading.ts, refused: [] });
        kept.push(a);
        continue;
      }
      if (seq <= last.seq) {
        // Sent before: judged then.
        if (last.refused.includes(seq)) refused.push(outOfOrder(a.reading, seq, last));
        else kept.push(a);
        continue;
      }
      if (a.reading.ts < last.ts) {
        last.refused.push(seq);
        if (last.refused.length > REMEMBER_REFUSED) last.refused.shift();
        refused.push(outOfOrder(a.reading, seq, last));
        continue;
      }
      last.seq = seq;
      last.ts = a.reading.ts;
      kept.push(a);
    }
    return { kept, refused };
  }
}

function outOfOrder(reading: Reading, seq: number, last: MeterOrder): Rejected {
  return {
    reading, reason: 'out_of_order',
    detail: `ts ${iso(reading.ts)} (journal seq ${seq}) is before ${iso(last.ts)}, the meter's reading earlier in the gateway's journal (seq ${last.seq}): the gateway's clock went back`,
  };
}
