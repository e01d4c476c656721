import { escape } from '@influxdata/influxdb-client';
import { MEASUREMENTS, type Reading } from '../../core/index.ts';
import type { KnownMeter } from '../ingest/directory.ts';

export const READING_MEASUREMENT = 'reading';
export const USAGE_MEASUREMENT = 'usage';

/**
 * Measurement and tags of a meter's reading series, built once per meter: every reading of a
 * batch repeats them, and building them through the client's Point (sorting keys, escaping each
 * value) took a tenth of the ingestor's time under load. A manifest makes new meter objects, so
 * the cache follows the meter's tags as they change.
 */
const seriesKeys = new WeakMap<KnownMeter, string>();

/** The series key of a meter's readings (measurement and tags): the same string object for every reading. */
export function readingSeries(meter: KnownMeter): string {
  let key = seriesKeys.get(meter);
  if (key === undefined) {
    // Tags in key order, as InfluxDB sorts them itself; an empty tag value is left out.
    const tags: [string, string][] = [
      ['building', meter.building], ['end_use', meter.end_use], ['gateway', meter.gateway], ['kind', meter.kind],
      ['meter', meter.id], ['site', meter.site], ['zone', meter.zone],
    ];
    key = READING_MEASUREMENT;
    for (const [k, v] of tags) if (v) key += `,${k}=${escape.tag(v)}`;
    seriesKeys.set(meter, key);
  }
  return key;
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

// decimals() leaves m here rather than in a new object: it runs for every value of every reading.
let fixedM = 0;

/**
 * The fixed-point form of a number with at most six decimals and |v| < 1e9 (or a whole number
 * below 2^53): returns its decimal count k, or −1 for none, and leaves the scaled whole number m in
 * fixedM. Gateways round values to their register's resolution, so nearly all take this form.
 * With m = round(|v| × 10^k) below 2^53, m / 10^k equals |v| only when the k-decimal string of m
 * reads back as |v|, and no other string of k decimals does: printing it gives exactly what
 * String(v) gives, without the engine's shortest-digits search.
 */
function decimals(v: number): number {
  const a = v < 0 ? -v : v;
  if (Number.isInteger(a)) {
    fixedM = a;
    return a < 2 ** 53 ? 0 : -1;
  }
  if (a >= 1e9) return -1;
  for (let k = 1; k <= 6; k++) {
    const scale = POW10[k]!;
    const m = Math.round(a * scale);
    if (m / scale === a) {
      fixedM = m;
      return k;
    }
  }
  return -1;
}

const DOT = 46;
const MINUS = 45;
const ZERO = 48;

/** Writes the decimal digits of a whole number m ≥ 0 (below 2^53), at least `min` of them. */
function writeWhole(buf: Buffer, at: number, m: number, min = 1): number {
  let n = 1;
  for (let x = m; x >= 10; x = Math.floor(x / 10)) n++;
  if (n < min) n = min;
  let x = m;
  for (let i = at + n - 1; i >= at; i--) {
    buf[i] = ZERO + (x % 10);
    x = Math.floor(x / 10);
  }
  return at + n;
}

/** Writes v as String(v) prints it; returns the offset after it. */
function writeNumber(buf: Buffer, at: number, v: number): number {
  const k = decimals(v);
  if (k < 0) return at + buf.write(String(v), at, 'latin1');
  const m = fixedM;
  if (v < 0) buf[at++] = MINUS;
  if (k === 0) return writeWhole(buf, at, m);
  const scale = POW10[k]!;
  at = writeWhole(buf, at, Math.floor(m / scale));
  buf[at++] = DOT;
  return writeWhole(buf, at, m % scale, k);
}

// Field keys as bytes: a closed table, copied byte by byte (quicker than a native write per field).
const keyBytes = new Map<string, Uint8Array>();

function writeKey(buf: Buffer, at: number, key: string): number {
  let b = keyBytes.get(key);
  if (!b) {
    b = Buffer.from(key, 'latin1');
    if (keyBytes.size < 512) keyBytes.set(key, b);
  }
  for (let i = 0; i < b.length; i++) buf[at + i] = b[i]!;
  return at + b.length;
}

const seriesBytes = new WeakMap<KnownMeter, Buffer>();

function seriesBuffer(meter: KnownMeter): Buffer {
  let b = seriesBytes.get(meter);
  if (!b) seriesBytes.set(meter, (b = Buffer.from(readingSeries(meter), 'utf8')));
  return b;
}

/** The most a value's field takes: a separator, its key, '=', and a number's longest print (24 characters). */
const FIELD_MAX = Math.max(...Object.keys(MEASUREMENTS).map((k) => k.length)) + 26;
const CHUNK = 256 * 1024;

export interface ReadingLines {
  /** One line per reading, each a view into a few shared buffers. */
  lines: Buffer[];
  /** Each line's series key and timestamp: its point's identity (PointWriter.write). */
  series: string[];
  times: number[];
}

/**
 * Line protocol for a batch of readings, written straight into a few large buffers: one point per
 * reading, all its values as fields of measurement `reading`, tagged with where the meter sits. A
 * resent reading has the same series and timestamp, so it overwrites itself. Building each line as
 * a string made about thirty short strings per reading, and collecting that garbage, with the
 * batch's parsed readings copied along at every young-generation collection, was most of the
 * ingestor's time; the lines then also sat in the JavaScript heap until InfluxDB took them.
 * Values arrive validated: finite numbers under keys of the closed measurement table, which are
 * plain snake_case and need no escaping. Fields go in the order the reading lists them (InfluxDB
 * takes any order, and a resend lists them as the first copy did).
 */
export function readingLines(readings: readonly { reading: Reading; meter: KnownMeter }[]): ReadingLines {
  const out: ReadingLines = { lines: [], series: [], times: [] };
  let buf = Buffer.allocUnsafe(0);
  let at = 0;
  for (const { reading, meter } of readings) {
    const series = seriesBuffer(meter);
    let fields = 0;
    for (const _ in reading.values) fields++;
    if (fields === 0) throw new Error(`reading of ${meter.id} at ${reading.ts} has no values`);
    const most = series.length + fields * FIELD_MAX + 24;
    if (buf.length - at < most) {
      buf = Buffer.allocUnsafe(Math.max(CHUNK, most));
      at = 0;
    }
    const start = at;
    at += series.copy(buf, at);
    let sep = 32; // ' ' before the first field, ',' between fields
    for (const k in reading.values) {
      const v = reading.values[k as keyof Reading['values']]!;
      if (!Number.isFinite(v)) throw new Error(`invalid float value for field '${k}': ${v}`);
      buf[at++] = sep;
      sep = 44;
      at = writeKey(buf, at, k);
      buf[at++] = 61; // '='
      at = writeNumber(buf, at, v);
    }
    buf[at++] = 32;
    const ts = Math.floor(reading.ts);
    at = ts >= 0 && ts < 2 ** 53 ? writeWhole(buf, at, ts) : at + buf.write(String(ts), at, 'latin1');
    out.lines.push(buf.subarray(start, at));
    out.series.push(readingSeries(meter));
    out.times.push(ts);
  }
  return out;
}

/** One reading's line as a string (tools and benchmarks that write lines themselves). */
export function readingLine(reading: Reading, meter: KnownMeter): string {
  return readingLines([{ reading, meter }]).lines[0]!.toString('utf8');
}
