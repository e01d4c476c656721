import { FrameError } from './errors.ts';

/**
 * The first valid frame in `buf` of a protocol whose frames open with `start` (68H for DL/T 645
 * and CJ/T 188): bytes before it that do not start a valid frame are skipped (wake-up bytes, line
 * noise, an echo). Returns `{ need }` when a frame has started but is not complete yet, null when
 * no start byte is in sight. With `strict`, the first start byte must open a valid frame or its
 * defect is thrown (for `decode`).
 */
export function scanFor<F extends object>(buf: Uint8Array, start: number, frameAt: (buf: Uint8Array, i: number) => F | { need: number } | FrameError, strict: boolean): (F & { skipped: number }) | { need: number } | null {
  let i = 0;
  for (;;) {
    while (i < buf.length && buf[i] !== start) i++;
    if (i >= buf.length) return null;
    const r = frameAt(buf, i);
    if (r instanceof FrameError) {
      if (strict) throw r;
      i++;
      continue;
    }
    if ('need' in r) return r;
    return { ...r, skipped: i };
  }
}
