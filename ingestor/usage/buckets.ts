// Clock-interval arithmetic. Buckets are aligned to the UTC epoch, so a 15-minute bucket starts at
// :00, :15, :30 or :45 in every whole- or quarter-hour time zone.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const DEFAULT_BUCKET_MS = 15 * MINUTE_MS;
/** Chinese sites report in China Standard Time (UTC+8) days. */
export const DEFAULT_UTC_OFFSET = '+08:00';

export function bucketStartOf(ts: number, bucketMs: number = DEFAULT_BUCKET_MS): number {
  return Math.floor(ts / bucketMs) * bucketMs;
}

/** Checks a bucket size: a whole number of milliseconds that divides a day, so days hold whole buckets. */
export function assertBucketMs(bucketMs: number): void {
  if (!Number.isInteger(bucketMs) || bucketMs <= 0 || DAY_MS % bucketMs !== 0) {
    throw new RangeError(`bucket size ${bucketMs} ms must be a positive whole number of ms that divides a day`);
  }
}

/** Minutes east of UTC from '+08:00', '-03:30', 'Z' or a number of minutes. */
export function parseUtcOffset(offset: string | number): number {
  if (typeof offset === 'number') {
    if (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60) throw new RangeError(`UTC offset ${offset} min is out of range`);
    return offset;
  }
  if (offset === 'Z') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) throw new RangeError(`UTC offset "${offset}" is not ±HH:MM`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  if (Number(m[3]) >= 60 || minutes > 14 * 60) throw new RangeError(`UTC offset "${offset}" is out of range`);
  return m[1] === '-' ? -minutes : minutes;
}

export interface Share {
  bucketStart: number;
  value: number;
}

/**
 * Splits `amount`, used between `fromTs` and `toTs`, over the buckets that span touches, in
 * proportion to the time spent in each (linear apportioning: a counter says how much was used, not
 * when, so a delta across a gap is spread evenly). The last share takes the rounding remainder so
 * the shares add up to `amount` exactly.
 */
export function apportion(fromTs: number, toTs: number, amount: number, bucketMs: number = DEFAULT_BUCKET_MS): Share[] {
  return [...apportionIter(fromTs, toTs, amount, bucketMs)].map(({ bucketStart, value }) => ({ bucketStart, value }));
}

/** One bucket's part of a step: its share of the amount and how many ms of the step fall in it. */
export interface Slice extends Share {
  overlapMs: number;
}

/**
 * The shares of apportion(), one at a time in bucket order: a step across a five-year gap touches
 * 175,000 buckets, which are written as they come rather than gathered first.
 */
export function* apportionIter(fromTs: number, toTs: number, amount: number, bucketMs: number = DEFAULT_BUCKET_MS): Generator<Slice> {
  if (!(toTs > fromTs)) throw new RangeError(`apportion needs toTs > fromTs (got ${fromTs} → ${toTs})`);
  const span = toTs - fromTs;
  let given = 0;
  // [fromTs, toTs) is half-open: a reading exactly on a boundary closes the bucket before it.
  const last = bucketStartOf(toTs - 1, bucketMs);
  for (let b = bucketStartOf(fromTs, bucketMs); b <= last; b += bucketMs) {
    const overlapMs = Math.min(b + bucketMs, toTs) - Math.max(b, fromTs);
    if (b === last) {
      yield { bucketStart: b, value: amount - given, overlapMs };
      return;
    }
    const value = (amount * overlapMs) / span;
    given += value;
    yield { bucketStart: b, value, overlapMs };
  }
}
