// Deterministic noise: every value is a pure function of (seed, unit, channel, tick), so two runs
// with the same seed serve the same registers at the same simulated instant, whatever the order
// in which they are read.

function mix(h: number): number {
  // murmur3 fmix32 finaliser: good avalanche for sequential inputs.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [-1, 1) from the given integers. */
export function noise(seed: number, ...keys: number[]): number {
  let h = mix(seed | 0);
  for (const k of keys) h = mix(h ^ Math.imul((k | 0) + 0x9e3779b9, 0x27d4eb2f) ^ Math.floor(k / 2 ** 32));
  return h / 2 ** 31 - 1;
}

/** A seeded byte stream (mulberry32), for garbage frames. */
export function bytes(seed: number, n: number): Buffer {
  let a = seed >>> 0;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** A stable small integer for a channel name. */
export function channel(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
