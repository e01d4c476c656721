import type { Cjt188Model, Dlt645Model } from '../models/index.ts';
import { parseFormat } from './dlt645/values.ts';
import { METERING_LENGTH, layoutFor } from './cjt188/values.ts';
import * as D from './dlt645/frame.ts';
import * as C from './cjt188/frame.ts';

// DL/T 645-2007 5.x: a meter answers between 20 ms and 500 ms after the request; count the
// shortest, so the estimate is what the line cannot do better than.
export const MIN_TURNAROUND_MS = 20;

/** Transactions and bytes (both ways, wake-up bytes included) of one read of a meter. */
export function serialReadFigures(model: Dlt645Model | Cjt188Model, preamble: number): { transactions: number; bytes: number } {
  if (model.protocol === 'dlt645') {
    let bytes = 0;
    for (const item of model.items) {
      // Request: FE×n + frame with a 4-byte DI; answer: assume the meter sends four FEH as well.
      bytes += preamble + D.OVERHEAD + 4 + 4 + D.OVERHEAD + 4 + parseFormat(item.format).bytes;
    }
    return { transactions: model.items.length, bytes };
  }
  // Request: DI (2) + SER (1); answer: the 901FH layout of the meter's kind, two FEH before it.
  const answer = METERING_LENGTH[layoutFor(model.kind)];
  return { transactions: 1, bytes: preamble + C.OVERHEAD + 3 + 2 + C.OVERHEAD + answer };
}

/** Milliseconds of line time one read of the meter takes at `baud` with `bitsPerChar`. */
export function serialReadMs(model: Dlt645Model | Cjt188Model, preamble: number, line: { baud: number; bitsPerChar: number }): number {
  const f = serialReadFigures(model, preamble);
  return (f.bytes * line.bitsPerChar * 1000) / line.baud + f.transactions * MIN_TURNAROUND_MS;
}
