import type { IdentifyHint, MeterModel } from './types.ts';
import { REGISTER_WIDTH } from './types.ts';
import { decodeRaw, toBigEndian } from './decode.ts';

/**
 * Reads `count` registers from `address` with function code `fc` on the device being scanned and
 * resolves with their bytes in wire order (2 × count bytes), or null when the device answers with
 * an exception or not at all. Supplied by the caller, so this module does no I/O of its own.
 */
export type ReadRegisters = (fc: 3 | 4, address: number, count: number) => Promise<Buffer | null>;

export interface ModelGuess {
  readonly model: MeterModel;
  /** Hints that held; every hint of a returned model held. */
  readonly matched: number;
}

/** Whether one hint holds for the bytes a device answered with (null: no answer). */
export function hintHolds(hint: IdentifyHint, wire: Buffer | null): boolean {
  if (!wire || wire.length !== REGISTER_WIDTH[hint.type] * 2) return false;
  const value = decodeRaw(toBigEndian(wire, hint.order), hint.type) * (hint.scale ?? 1);
  return Number.isFinite(value) && value >= hint.min && value <= hint.max;
}

/**
 * guessModels(read, models): the models whose identify hints all hold on the device behind
 * `read`, most specific (most hints) first. Models without hints are never guessed. Each
 * distinct (fc, address, width) is read once, however many models share it.
 */
export async function guessModels(read: ReadRegisters, models: readonly MeterModel[]): Promise<ModelGuess[]> {
  const cache = new Map<string, Promise<Buffer | null>>();
  const fetch = (h: IdentifyHint): Promise<Buffer | null> => {
    const count = REGISTER_WIDTH[h.type];
    const key = `${h.fc}:${h.address}:${count}`;
    let p = cache.get(key);
    if (!p) {
      p = read(h.fc, h.address, count).catch(() => null);
      cache.set(key, p);
    }
    return p;
  };
  const guesses: ModelGuess[] = [];
  for (const model of models) {
    const hints = model.identify ?? [];
    if (hints.length === 0) continue;
    let ok = true;
    for (const h of hints) {
      if (!hintHolds(h, await fetch(h))) {
        ok = false;
        break;
      }
    }
    if (ok) guesses.push({ model, matched: hints.length });
  }
  return guesses.sort((a, b) => b.matched - a.matched);
}
