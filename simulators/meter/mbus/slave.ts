import type { MeasurementKey } from '../../../core/index.ts';
import type { MbusModel } from '../../../gateway/models/mbus.ts';
import type { SimClock } from '../clock.ts';
import { MeterPhysics, type Inputs, type Values } from '../physics.ts';
import type { Fault } from '../faults.ts';
import { encodeRecord, quantize } from './encode.ts';
import { ACK, longFrame, type MasterFrame } from './frame.ts';

export interface MbusSlaveSpec {
  model: MbusModel;
  /** Primary address 1–250 (EN 13757-2 5.6); 0 = not configured, reachable by secondary address only. */
  address: number;
  /** Identification number, 8 digits; default 1234 followed by the primary address. */
  secondary?: string;
  inputs?: Partial<Inputs>;
  counters?: Values;
  /** The meter's clock for its date/time record; China Standard Time by default. */
  utcOffsetHours?: number;
  /**
   * Where the values come from when not from the slave's own physics: a building simulator's
   * meter, whose counters follow the site's history. Its `silent` fault silences the slave.
   */
  source?: { state(): Values; takeFault?(): Fault | null };
}

// EN 13757-2 5.5: control fields a slave acts on (FCB 20H / FCV 10H masked off).
const is = (c: number, code: number) => (c & 0xcf) === (code & 0xcf);
const SND_NKE = 0x40;
const SND_UD = 0x53;
const REQ_UD2 = 0x5b;
const FCB = 0x20;
const FCV = 0x10;
const RSP_UD = 0x08;

const bcd4 = (digits: string) => Buffer.from(digits.padStart(8, '0').match(/../g)!.reverse().map((p) => parseInt(p, 16)));

function manufacturerCode(id: string): number {
  return ((id.charCodeAt(0) - 64) << 10) | ((id.charCodeAt(1) - 64) << 5) | (id.charCodeAt(2) - 64);
}

/**
 * One simulated M-Bus slave: answers SND_NKE with E5, REQ_UD2 with its RSP_UD (the next telegram
 * when the master toggles FCB, the same one again when it repeats FCB), selection by secondary
 * address (CI 52H to FDH, F nibbles and FFH bytes as wildcards), and stays silent otherwise.
 */
export class MbusSlave {
  readonly model: MbusModel;
  readonly address: number;
  readonly secondary: string;
  private readonly physics: MeterPhysics;
  private readonly source: MbusSlaveSpec['source'];
  private readonly utcOffsetHours: number;
  private selected = false;
  private lastFcb: number | null = null;
  private page = 0;
  private access = 0;
  /** Requests answered, for tests: REQ_UD2 telegrams sent, by page. */
  readonly sent: number[] = [];

  constructor(spec: MbusSlaveSpec, private readonly clock: SimClock, seed: number) {
    if (!Number.isInteger(spec.address) || spec.address < 0 || spec.address > 250) {
      throw new RangeError(`M-Bus primary address must be 0–250, got ${spec.address}`);
    }
    const secondary = spec.secondary ?? `1234${String(spec.address).padStart(4, '0')}`;
    if (!/^[0-9]{8}$/.test(secondary)) throw new RangeError(`M-Bus secondary address must be 8 digits, got "${secondary}"`);
    this.model = spec.model;
    this.address = spec.address;
    this.secondary = secondary;
    this.utcOffsetHours = spec.utcOffsetHours ?? 8;
    this.source = spec.source;
    this.physics = new MeterPhysics(spec.model.kind, seed, spec.address, clock.now(), spec.inputs);
    for (const [k, v] of Object.entries(spec.counters ?? {})) this.physics.counters[k as MeasurementKey] = v;
  }

  get isSelected(): boolean {
    return this.selected;
  }

  /** The physical values now (unquantised). */
  state(): Values {
    return this.source ? this.source.state() : this.physics.values(this.clock.now());
  }

  /** The values as a master reads them now: each measurement at the resolution of its record in telegram 1. */
  get(): Values {
    const state = this.state();
    const out: Values = {};
    for (const r of this.model.telegrams.flat()) {
      if (r.value === 'fabrication_number' || r.value === 'datetime' || r.dife?.length || out[r.value] !== undefined) continue;
      const v = state[r.value];
      if (v !== undefined) out[r.value] = quantize(r as typeof r & { value: MeasurementKey }, v);
    }
    return out;
  }

  set(inputs: Partial<Inputs>): void {
    this.physics.set(this.clock.now(), inputs);
  }

  private addressed(a: number): boolean {
    return (a === this.address && this.address !== 0) || (a === 0xfd && this.selected) || a === 0xfe;
  }

  /** The answer to one master frame, or null for silence. */
  handle(f: MasterFrame): Buffer | null {
    const answer = this.answer(f);
    // A silenced meter (building fault) hears the frame but does not answer.
    if (answer && this.source?.takeFault?.()?.kind === 'silent') return null;
    return answer;
  }

  private answer(f: MasterFrame): Buffer | null {
    if (f.type === 'short') {
      if (f.c === SND_NKE) {
        if (f.a === 0xff || this.addressed(f.a)) {
          this.lastFcb = null;
          this.page = 0;
          // EN 13757-3 (secondary addressing): SND_NKE to FDH ends the selection.
          if (f.a === 0xfd) this.selected = false;
          return f.a === 0xff ? null : ACK;
        }
        return null;
      }
      if (is(f.c, REQ_UD2) && this.addressed(f.a)) return this.respond(f.c);
      return null;
    }
    if (is(f.c, SND_UD) && f.a === 0xfd && f.ci === 0x52) {
      this.selected = this.matches(f.data);
      if (!this.selected) return null;
      // A new selection starts a new readout: the next REQ_UD2 gets the first telegram.
      this.lastFcb = null;
      this.page = 0;
      return ACK;
    }
    // Other SND_UD to this slave (application data, resets): acknowledged, not acted on.
    if (is(f.c, SND_UD) && this.addressed(f.a)) return ACK;
    return null;
  }

  private matches(mask: Buffer): boolean {
    if (mask.length !== 8) return false;
    const id = bcd4(this.secondary);
    for (let i = 0; i < 4; i++) {
      for (const shift of [0, 4]) {
        const m = (mask[i]! >> shift) & 0x0f;
        if (m !== 0x0f && m !== ((id[i]! >> shift) & 0x0f)) return false;
      }
    }
    const man = mask[4]! | (mask[5]! << 8);
    if (man !== 0xffff && man !== manufacturerCode(this.model.manufacturer)) return false;
    if (mask[6] !== 0xff && mask[6] !== this.model.version) return false;
    if (mask[7] !== 0xff && mask[7] !== this.model.medium) return false;
    return true;
  }

  private respond(c: number): Buffer {
    const pages = this.model.telegrams.length;
    const fcv = (c & FCV) !== 0;
    const fcb = c & FCB ? 1 : 0;
    // EN 13757-2 5.5: the same FCB again means the master lost the answer: send it once more.
    // A toggled FCB acknowledges it: the next telegram of a multi-telegram readout follows.
    if (!(fcv && this.lastFcb === fcb)) {
      if (this.lastFcb !== null && fcv) this.page = (this.page + 1) % pages;
      else this.page = 0;
      this.access = (this.access + 1) & 0xff;
    }
    if (fcv) this.lastFcb = fcb;
    this.sent.push(this.page);
    return this.telegram(this.page);
  }

  /** RSP_UD with CI 72H: long header, the page's records, and DIF 1FH if more pages follow. */
  telegram(page: number): Buffer {
    const now = this.clock.now();
    const values = this.state();
    const ctx = { values, fabricationNumber: Number(this.secondary), now, utcOffsetHours: this.utcOffsetHours };
    const man = manufacturerCode(this.model.manufacturer);
    const header = Buffer.concat([
      bcd4(this.secondary), Buffer.from([man & 0xff, man >> 8, this.model.version, this.model.medium, this.access, 0x00, 0x00, 0x00]),
    ]);
    const records = this.model.telegrams[page]!.map((r) => encodeRecord(r, ctx));
    const more = page < this.model.telegrams.length - 1 ? [Buffer.from([0x1f])] : [];
    return longFrame(RSP_UD, this.address, 0x72, Buffer.concat([header, ...records, ...more]));
  }
}
