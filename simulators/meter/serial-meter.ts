import type { MeasurementKey } from '../../core/index.ts';
import type { Cjt188Field, Cjt188Model, Dlt645Model } from '../../gateway/models/types.ts';
import type { SimClock } from './clock.ts';
import { MeterPhysics, type Inputs, type Values } from './physics.ts';
import { bcd, cjt188Reply, dlt645Reply, wireAddress, type MasterFrame } from './serial-frames.ts';

export interface SerialMeterSpec {
  model: Dlt645Model | Cjt188Model;
  /** Nameplate address: 12 digits (DL/T 645) or 14 (CJ/T 188). */
  address: string;
  /** CJ/T 188 type byte the meter answers to; the model's by default. */
  meterType?: number;
  inputs?: Partial<Inputs>;
  counters?: Values;
  /**
   * Where the values come from instead of the meter's own physics: a building simulator's meter,
   * whose counters follow the building's loads and whose faults (a silent meter) apply here too.
   */
  source?: { state(): Values; takeFault?(): { kind: string } | null };
}

// CJ/T 188 901FH layout per field: BCD bytes, decimals, and the unit code this meter reports.
const FIELD_FORMAT: Record<Cjt188Field, { bytes: number; decimals: number; unit?: number; key: MeasurementKey }> = {
  current_volume: { bytes: 4, decimals: 2, unit: 0x2c, key: 'volume_m3' },
  settlement_volume: { bytes: 4, decimals: 2, unit: 0x2c, key: 'volume_m3' },
  settlement_heat: { bytes: 4, decimals: 2, unit: 0x05, key: 'heat_energy_kwh' },
  current_heat: { bytes: 4, decimals: 2, unit: 0x05, key: 'heat_energy_kwh' },
  heat_power: { bytes: 4, decimals: 2, unit: 0x17, key: 'heat_power_kw' },
  flow: { bytes: 4, decimals: 4, unit: 0x35, key: 'flow_m3h' },
  cumulative_volume: { bytes: 4, decimals: 2, unit: 0x2c, key: 'volume_m3' },
  supply_temp: { bytes: 3, decimals: 2, key: 'supply_temp_c' },
  return_temp: { bytes: 3, decimals: 2, key: 'return_temp_c' },
};
const WATER_FIELDS: Cjt188Field[] = ['current_volume', 'settlement_volume'];
const HEAT_FIELDS: Cjt188Field[] = ['settlement_heat', 'current_heat', 'heat_power', 'flow', 'cumulative_volume', 'supply_temp', 'return_temp'];

const parseFormat = (f: string) => {
  const [a, b = ''] = f.split('.');
  return { bytes: (a!.length + b.length) / 2, decimals: b.length };
};

/**
 * A DL/T 645 or CJ/T 188 meter: the same physics as the Modbus simulators behind the model's
 * identifiers. It answers only frames to its own address (or the wildcard for read-address),
 * with an error reply for an identifier its model does not have.
 */
export class SerialSimMeter {
  readonly protocol: 'dlt645' | 'cjt188';
  readonly address: string;
  readonly meterType: number;
  readonly physics: MeterPhysics;
  private readonly wire: Buffer;
  /** Set by a test to make the meter go quiet, as a dead meter on the line. */
  silent = false;
  /** CJ/T 188 status bytes ST0 ST1 it reports (D0–D1 valve, D2 battery). */
  status: [number, number] = [0, 0];
  /**
   * Most value bytes one DL/T 645 answer carries; the rest follows in frames the master asks for
   * with 12H (DL/T 645-2007 7.x). Real meters split at 200 bytes; tests set it small.
   */
  maxReplyData = 200;
  private pending: { di: Buffer; rest: Buffer } | null = null;

  constructor(readonly spec: SerialMeterSpec, private readonly clock: SimClock, seed: number, index: number) {
    this.protocol = spec.model.protocol;
    const digits = this.protocol === 'dlt645' ? 12 : 14;
    if (!new RegExp(`^[0-9]{${digits}}$`).test(spec.address)) throw new RangeError(`${spec.model.name}: address must be ${digits} digits, got "${spec.address}"`);
    this.address = spec.address;
    this.wire = wireAddress(spec.address);
    this.meterType = spec.meterType ?? (spec.model.protocol === 'cjt188' ? spec.model.meterType : 0);
    this.physics = new MeterPhysics(spec.model.kind, seed, index + 1, clock.now(), spec.inputs);
    for (const [k, v] of Object.entries(spec.counters ?? {})) this.physics.counters[k as MeasurementKey] = v;
  }

  set(inputs: Partial<Inputs>): this {
    this.physics.set(this.clock.now(), inputs);
    return this;
  }

  private values(): Values {
    return this.spec.source ? this.spec.source.state() : this.physics.values(this.clock.now());
  }

  /** Values as the meter's resolution shows them, keyed by measurement. */
  get(): Values {
    const v = this.values();
    const out: Values = {};
    const m = this.spec.model;
    if (m.protocol === 'dlt645') {
      for (const it of m.items) {
        const x = v[it.measurement];
        if (x !== undefined) out[it.measurement] = Number(x.toFixed(parseFormat(it.format).decimals));
      }
    } else {
      for (const [field, key] of Object.entries(m.fields) as [Cjt188Field, MeasurementKey][]) {
        const x = v[FIELD_FORMAT[field].key];
        if (x !== undefined) out[key] = Number(x.toFixed(FIELD_FORMAT[field].decimals));
      }
    }
    return out;
  }

  /** The reply to a master frame, or null when this meter keeps quiet. */
  answer(f: MasterFrame): Buffer | null {
    if (this.silent) return null;
    // Of a building's request faults only silence applies: the others are Modbus framing faults.
    if (this.spec.source?.takeFault?.()?.kind === 'silent') return null;
    return this.protocol === 'dlt645' ? this.dlt645(f) : this.cjt188(f);
  }

  private mine(addr: Buffer, wildcardOk: boolean): boolean {
    return addr.equals(this.wire) || (wildcardOk && addr.every((b) => b === 0xaa));
  }

  private dlt645(f: MasterFrame): Buffer | null {
    const fn = f.control & 0x1f;
    if (f.control & 0x80) return null; // another meter's answer (or an echo)
    // DL/T 645-2007 7.x: read address goes to AAH×6; only a meter alone on a line answers it.
    if (fn === 0x13) return this.mine(f.address, true) ? dlt645Reply(this.wire, 0x93, this.wire) : null;
    if (!this.mine(f.address, false)) return null;
    if (fn === 0x12) return this.followUp(f);
    if (fn !== 0x11 || f.data.length < 4) return dlt645Reply(this.wire, 0xc0 | fn, Buffer.from([0x01])); // other error
    const di = f.data.readUInt32LE(0);
    const m = this.spec.model as Dlt645Model;
    const item = m.items.find((i) => i.di === di);
    // Error word bit 1: no such data.
    if (!item) return dlt645Reply(this.wire, 0xd1, Buffer.from([0x02]));
    const x = this.values()[item.measurement] ?? 0;
    const fmt = parseFormat(item.format);
    const value = item.scale === undefined ? x : x / item.scale;
    const bytes = bcd(value, fmt.bytes, fmt.decimals, item.signed === true);
    const diWire = f.data.subarray(0, 4);
    if (bytes.length <= this.maxReplyData) {
      this.pending = null;
      return dlt645Reply(this.wire, 0x91, Buffer.concat([diWire, bytes]));
    }
    // B1H: an answer with more frames to follow.
    this.pending = { di: Buffer.from(diWire), rest: bytes.subarray(this.maxReplyData) };
    return dlt645Reply(this.wire, 0xb1, Buffer.concat([diWire, bytes.subarray(0, this.maxReplyData)]));
  }

  /** 12H → B2H (more follow) or 92H (last), each with the DI, the next bytes and the sequence number. */
  private followUp(f: MasterFrame): Buffer {
    const p = this.pending;
    if (!p || f.data.length < 5 || !f.data.subarray(0, 4).equals(p.di)) return dlt645Reply(this.wire, 0xd2, Buffer.from([0x02]));
    const seq = f.data[4]!;
    const chunk = p.rest.subarray(0, this.maxReplyData);
    p.rest = p.rest.subarray(chunk.length);
    const more = p.rest.length > 0;
    if (!more) this.pending = null;
    return dlt645Reply(this.wire, more ? 0xb2 : 0x92, Buffer.concat([p.di, chunk, Buffer.from([seq])]));
  }

  private cjt188(f: MasterFrame): Buffer | null {
    const fn = f.control & 0x3f;
    if (f.control & 0x80) return null;
    const typeOk = f.meterType === this.meterType || f.meterType === 0xaa;
    if (fn === 0x03) {
      // Read address, DI 810AH: answered to the wildcard only by a meter alone on its line.
      if (!typeOk || !this.mine(f.address, true)) return null;
      return cjt188Reply(this.meterType, this.wire, 0x83, Buffer.concat([f.data.subarray(0, 2), Buffer.from([f.data[2] ?? 0])]));
    }
    if (!typeOk || !this.mine(f.address, false)) return null;
    const ser = f.data[2] ?? 0;
    const di = f.data.length >= 2 ? (f.data[0]! << 8) | f.data[1]! : 0;
    // DI 901FH in either byte order; the answer repeats it as it was asked.
    if (fn !== 0x01 || (di !== 0x901f && di !== 0x1f90)) return cjt188Reply(this.meterType, this.wire, 0xc0 | fn, Buffer.from([ser, 0x00, 0x00]));
    const m = this.spec.model as Cjt188Model;
    const v = this.values();
    const parts: Buffer[] = [f.data.subarray(0, 2), Buffer.from([ser])];
    for (const field of m.kind === 'heat' ? HEAT_FIELDS : WATER_FIELDS) {
      const fmt = FIELD_FORMAT[field];
      const value = bcd(Math.max(0, v[fmt.key] ?? 0), fmt.bytes, fmt.decimals);
      if (fmt.unit === undefined) parts.push(value);
      else if (m.unitFirst) parts.push(Buffer.from([fmt.unit]), value);
      else parts.push(value, Buffer.from([fmt.unit]));
    }
    if (m.kind === 'heat') parts.push(bcd(Math.floor((this.clock.now() / 3_600_000) % 1e6), 3, 0));
    parts.push(meterTime(this.clock.now()), Buffer.from(this.status));
    return cjt188Reply(this.meterType, this.wire, 0x81, Buffer.concat(parts));
  }
}

/** ss mm hh DD MM YYlo YYhi, BCD, UTC+8 (the meters' local time in China). */
function meterTime(ms: number): Buffer {
  const d = new Date(ms + 8 * 3_600_000);
  const two = (n: number) => bcd(n, 1, 0);
  return Buffer.concat([
    two(d.getUTCSeconds()), two(d.getUTCMinutes()), two(d.getUTCHours()), two(d.getUTCDate()), two(d.getUTCMonth() + 1),
    two(d.getUTCFullYear() % 100), two(Math.floor(d.getUTCFullYear() / 100)),
  ]);
}
