import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { QuarantineEntry } from '../../core/api.ts';
import type { QuarantineReason } from './validate.ts';

export type { QuarantineEntry };

/** What is kept of a payload larger than maxPayloadBytes: enough to recognise it, never all of it. */
export interface PayloadSample {
  truncated: true;
  bytes: number;
  sha256: string;
  sample: string;
}

export interface QuarantineLimits {
  /** Entries kept on disk (current file plus the one rotated out). */
  maxEntries: number;
  /** Bytes kept on disk (current file plus the one rotated out). */
  maxBytes: number;
  /** A payload above this is kept as a sample with its size and hash. */
  maxPayloadBytes: number;
  /** Newest entries held in memory for the API. */
  memoryEntries: number;
  /** Entries one gateway may add per minute; the rest are only counted. */
  perGatewayPerMinute: number;
}

export const DEFAULT_QUARANTINE_LIMITS: QuarantineLimits = {
  maxEntries: 20_000, maxBytes: 64 * 1024 * 1024, maxPayloadBytes: 8 * 1024, memoryEntries: 500, perGatewayPerMinute: 120,
};

const FILE = 'quarantine.jsonl';
const ROTATED = 'quarantine.1.jsonl';
const COUNTS = 'quarantine.counts.json';
// A line longer than this in a file written before the limits existed is skipped, not parsed:
// V8 cannot build a string much over 512 MB, and such a line is nothing an API should serve.
const MAX_LINE_BYTES = 64 * 1024 * 1024;

type NewEntry = Omit<QuarantineEntry, 'id' | 'at' | 'payload'> & { payload: unknown; rawBytes?: Buffer };

/**
 * Refused data goes to a JSON-lines file (durable, greppable) and the newest entries stay in
 * memory for the API. Everything a gateway can fill is bounded: a payload over the limit is kept
 * as a sample with its size and SHA-256, the file rotates once and the older half is dropped, and
 * a gateway adding more than its per-minute share is counted but not stored. The counts by reason
 * cover everything ever refused, including what rotation dropped, so nothing refused goes uncounted.
 */
export class Quarantine {
  private readonly file: string;
  private readonly rotated: string;
  private readonly countsFile: string;
  private readonly recent: QuarantineEntry[] = [];
  private nextId = 1;
  private fileBytes = 0;
  private fileEntries = 0;
  private rotatedEntries = 0;
  private rotatedBytes = 0;
  /** Per reason, everything ever refused (stored, rotated away or over a gateway's share). */
  readonly counts = new Map<QuarantineReason, number>();
  /** Counts of entries no longer on disk, persisted at each rotation. */
  private gone = new Map<QuarantineReason, number>();
  private rotatedCounts = new Map<QuarantineReason, number>();
  private currentCounts = new Map<QuarantineReason, number>();
  /** Entries not stored because their gateway was over its per-minute share. */
  suppressed = 0;
  private readonly budget = new Map<string, { minute: number; used: number; warned: boolean }>();

  private constructor(private readonly dir: string, private readonly limits: QuarantineLimits, private readonly log: Logger, private readonly now: () => number) {
    this.file = path.join(dir, FILE);
    this.rotated = path.join(dir, ROTATED);
    this.countsFile = path.join(dir, COUNTS);
  }

  /** Opens the quarantine in `dir`, streaming what is there: memory stays bounded whatever the file size. */
  static async open(dir: string, log: Logger, limits: Partial<QuarantineLimits> = {}, now: () => number = Date.now): Promise<Quarantine> {
    mkdirSync(dir, { recursive: true });
    const q = new Quarantine(dir, { ...DEFAULT_QUARANTINE_LIMITS, ...limits }, log, now);
    await q.load();
    return q;
  }

  private async load(): Promise<void> {
    try {
      const saved = JSON.parse(await readFile(this.countsFile, 'utf8')) as Record<string, number>;
      for (const [k, v] of Object.entries(saved)) if (Number.isFinite(v)) this.gone.set(k as QuarantineReason, v);
    } catch {
      // No rotation yet, or a torn counts file: the counts start from what the files hold.
    }
    for (const [k, v] of this.gone) this.counts.set(k, v);
    let maxId = 0;
    const seen = (e: QuarantineEntry, into: 'rotated' | 'current') => {
      this.counts.set(e.reason, (this.counts.get(e.reason) ?? 0) + 1);
      if (e.id > maxId) maxId = e.id;
      if (into === 'rotated') {
        this.rotatedEntries++;
        this.rotatedCounts.set(e.reason, (this.rotatedCounts.get(e.reason) ?? 0) + 1);
      } else {
        this.fileEntries++;
        this.currentCounts.set(e.reason, (this.currentCounts.get(e.reason) ?? 0) + 1);
      }
      this.recent.push(this.bounded(e));
      if (this.recent.length > this.limits.memoryEntries) this.recent.shift();
    };
    if (existsSync(this.rotated)) {
      this.rotatedBytes = statSync(this.rotated).size;
      await this.scan(this.rotated, (e) => seen(e, 'rotated'));
    }
    if (existsSync(this.file)) {
      const { bytes, endsWithNewline } = await this.scan(this.file, (e) => seen(e, 'current'));
      this.fileBytes = bytes;
      // A line torn by a crash is left as it is, but the next entry must start on a line of its own.
      if (bytes > 0 && !endsWithNewline) this.append('\n');
    }
    this.nextId = maxId + 1;
    // Files left over-size (by an older version, or by larger limits) are brought within bounds now.
    const half = { bytes: this.limits.maxBytes / 2, entries: this.limits.maxEntries / 2 };
    if (this.fileBytes > half.bytes || this.fileEntries > half.entries || this.rotatedBytes > half.bytes || this.rotatedEntries > half.entries) this.compact();
  }

  /**
   * Rewrites the quarantine as the newest entries held in memory (payloads already sampled), and
   * counts the rest as gone. Used once at start-up when the files on disk exceed the bounds.
   */
  private compact(): void {
    const kept = new Map<QuarantineReason, number>();
    for (const e of this.recent) kept.set(e.reason, (kept.get(e.reason) ?? 0) + 1);
    for (const [k, total] of this.counts) this.gone.set(k, total - (kept.get(k) ?? 0));
    const tmp = `${this.countsFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.gone)));
    renameSync(tmp, this.countsFile);
    const text = this.recent.map((e) => `${JSON.stringify(e)}\n`).join('');
    writeFileSync(`${this.file}.tmp`, text);
    renameSync(`${this.file}.tmp`, this.file);
    if (existsSync(this.rotated)) unlinkSync(this.rotated);
    this.log.warn({ file: this.file, kept: this.recent.length, bytesBefore: this.fileBytes + this.rotatedBytes }, 'quarantine files over their bounds; kept the newest entries as samples');
    this.fileBytes = Buffer.byteLength(text);
    this.fileEntries = this.recent.length;
    this.currentCounts = kept;
    this.rotatedCounts = new Map();
    this.rotatedBytes = 0;
    this.rotatedEntries = 0;
  }

  /** Streams a JSON-lines file, line by line, skipping lines that are torn or too long to hold. */
  private scan(file: string, onEntry: (e: QuarantineEntry) => void): Promise<{ bytes: number; endsWithNewline: boolean }> {
    return new Promise((resolve, reject) => {
      let parts: Buffer[] = [];
      let partBytes = 0;
      let skipping = false;
      let bytes = 0;
      let last = 0x0a;
      let skipped = 0;
      const line = (buf: Buffer) => {
        try {
          const e = JSON.parse(buf.toString('utf8')) as QuarantineEntry;
          if (typeof e === 'object' && e !== null && typeof e.id === 'number' && typeof e.reason === 'string') onEntry(e);
          else skipped++;
        } catch {
          skipped++;
        }
      };
      const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
      stream.on('data', (chunk: Buffer | string) => {
        const buf = chunk as Buffer;
        bytes += buf.length;
        last = buf[buf.length - 1] ?? last;
        let start = 0;
        for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
          if (!skipping) {
            parts.push(buf.subarray(start, nl));
            line(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
          } else skipped++;
          parts = [];
          partBytes = 0;
          skipping = false;
          start = nl + 1;
        }
        if (start < buf.length && !skipping) {
          parts.push(buf.subarray(start));
          partBytes += buf.length - start;
          if (partBytes > MAX_LINE_BYTES) {
            skipping = true;
            parts = [];
            partBytes = 0;
          }
        }
      });
      stream.on('error', reject);
      stream.on('end', () => {
        if (skipped > 0) this.log.warn({ file, skipped }, 'quarantine: unreadable or over-long lines skipped');
        resolve({ bytes, endsWithNewline: last === 0x0a });
      });
    });
  }

  /** Keeps a payload whole when it is small, else a sample of it with its size and hash. */
  private sample(payload: unknown, raw?: Buffer): unknown {
    const text = raw ? null : JSON.stringify(payload) ?? 'null';
    const size = raw ? raw.length : Buffer.byteLength(text!);
    if (size <= this.limits.maxPayloadBytes && !raw) return payload;
    if (raw && size <= this.limits.maxPayloadBytes) return raw.toString('utf8');
    const bytes = raw ?? Buffer.from(text!);
    const s: PayloadSample = {
      truncated: true, bytes: size, sha256: createHash('sha256').update(bytes).digest('hex'),
      sample: bytes.subarray(0, Math.floor(this.limits.maxPayloadBytes / 2)).toString('utf8'),
    };
    return s;
  }

  /** An entry read from an older, unbounded file is cut down like a new one before it is kept. */
  private bounded(e: QuarantineEntry): QuarantineEntry {
    const size = Buffer.byteLength(JSON.stringify(e.payload) ?? 'null');
    return size <= this.limits.maxPayloadBytes ? e : { ...e, payload: this.sample(e.payload) };
  }

  /** False when the gateway has used its share of this minute. */
  private allowed(gateway: string | null, reason: QuarantineReason): boolean {
    const key = gateway ?? '(none)';
    const minute = Math.floor(this.now() / 60_000);
    let b = this.budget.get(key);
    if (!b || b.minute !== minute) {
      // One entry per gateway: a bounded number of configured gateways, and a stale minute is reused.
      if (!b && this.budget.size >= 10_000) this.budget.clear();
      b = { minute, used: 0, warned: false };
      this.budget.set(key, b);
    }
    if (b.used < this.limits.perGatewayPerMinute) {
      b.used++;
      return true;
    }
    if (!b.warned) {
      b.warned = true;
      this.log.warn({ gateway, reason, limit: this.limits.perGatewayPerMinute }, 'quarantine: gateway over its per-minute share; further entries this minute are counted, not stored');
    }
    return false;
  }

  /**
   * Records refused data. Returns the entry as stored, or null when only counted (the gateway was
   * over its share). `rawBytes`, when given, is the payload as received: sampled and hashed as is.
   */
  add(entry: NewEntry, at = this.now()): QuarantineEntry | null {
    this.counts.set(entry.reason, (this.counts.get(entry.reason) ?? 0) + 1);
    if (!this.allowed(entry.gateway, entry.reason)) {
      this.suppressed++;
      return null;
    }
    const { rawBytes, ...rest } = entry;
    const full: QuarantineEntry = { id: this.nextId++, at, ...rest, detail: rest.detail.slice(0, 2000), payload: this.sample(entry.payload, rawBytes) };
    const line = `${JSON.stringify(full)}\n`;
    const size = Buffer.byteLength(line);
    if (this.fileEntries > 0 && (this.fileBytes + size > this.limits.maxBytes / 2 || this.fileEntries + 1 > this.limits.maxEntries / 2)) this.rotate();
    // The gateway drops its copy on our ack, so the entry must be on disk first.
    this.append(line, true);
    this.fileBytes += size;
    this.fileEntries++;
    this.currentCounts.set(full.reason, (this.currentCounts.get(full.reason) ?? 0) + 1);
    this.recent.push(full);
    if (this.recent.length > this.limits.memoryEntries) this.recent.shift();
    this.log.warn({ site: entry.site, gateway: entry.gateway, seq: entry.seq, reason: entry.reason, detail: entry.detail.slice(0, 500) }, 'quarantined');
    return full;
  }

  private append(text: string, sync = false): void {
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, text);
      if (sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** The current file becomes the rotated one; the rotated one's entries are dropped (and stay counted). */
  private rotate(): void {
    for (const [k, v] of this.rotatedCounts) this.gone.set(k, (this.gone.get(k) ?? 0) + v);
    // Counts first: a crash between the two steps then overcounts a little, never undercounts.
    const tmp = `${this.countsFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.gone)));
    renameSync(tmp, this.countsFile);
    if (existsSync(this.file)) renameSync(this.file, this.rotated);
    else if (existsSync(this.rotated)) unlinkSync(this.rotated);
    this.rotatedCounts = this.currentCounts;
    this.currentCounts = new Map();
    this.rotatedEntries = this.fileEntries;
    this.rotatedBytes = this.fileBytes;
    this.fileEntries = 0;
    this.fileBytes = 0;
    this.log.info({ file: this.rotated, entries: this.rotatedEntries, bytes: this.rotatedBytes }, 'quarantine file rotated');
  }

  /** On-disk and in-memory figures, for metrics and tests. */
  usage(): { entries: number; bytes: number; memoryEntries: number; suppressed: number } {
    return { entries: this.fileEntries + this.rotatedEntries, bytes: this.fileBytes + this.rotatedBytes, memoryEntries: this.recent.length, suppressed: this.suppressed };
  }

  /** Newest first; `before` pages back through the entries held in memory. */
  list(filter: { site?: string | undefined; gateway?: string | undefined; reason?: QuarantineReason | undefined; limit: number; before?: number | undefined }): QuarantineEntry[] {
    const out: QuarantineEntry[] = [];
    for (let i = this.recent.length - 1; i >= 0 && out.length < filter.limit; i--) {
      const e = this.recent[i]!;
      if (filter.before !== undefined && e.id >= filter.before) continue;
      if ((!filter.site || e.site === filter.site) && (!filter.gateway || e.gateway === filter.gateway) && (!filter.reason || e.reason === filter.reason)) out.push(e);
    }
    return out;
  }
}
