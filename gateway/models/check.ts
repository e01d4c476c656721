import { formatPath } from '../../core/issues.ts';
import { MEASUREMENTS, isMeasurementKey, type MeasurementKey } from '../../core/measurements.ts';
import type { EnergyKind } from '../../core/vocabulary.ts';
import { MODBUS_MAX_REGISTERS, limitsFor } from '../poll/planner.ts';
import { meterTypeKind } from '../protocols/cjt188/frame.ts';
import { LAYOUT_FIELDS, layoutFor } from '../protocols/cjt188/values.ts';
import { decodeItem, parseFormat } from '../protocols/dlt645/values.ts';
import { decodeRegister } from './decode.ts';
import { GENERIC, genericTable, type GenericRegister } from './generic.ts';
import type { MbusModel } from './mbus.ts';
import { REGISTER_WIDTH, type Cjt188Model, type Dlt645Model, type MeterModel } from './types.ts';

/**
 * The one checker of meter models. A built-in model (a vendor file) and the register table of a
 * user-defined `generic` meter go through the same rules: the model invariants test runs them
 * over every built-in model, `gateway check` and `gateway run` over every meter of a config.
 * The zod schema of the config only checks each field's shape; what makes a table wrong is here.
 */
export interface ModelFinding {
  readonly level: 'error' | 'warning';
  /** Inside the model, e.g. ['registers', 2, 'address']; a config meter's keys have the same names. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Every model of every protocol. */
export type CheckedModel = (MeterModel & { protocol?: undefined }) | Dlt645Model | Cjt188Model | MbusModel;

type Path = (string | number)[];

// Which measurement kinds a meter of each kind may report besides its own and kind-less ones
// (flow). Heat and cooling meters (EN 1434) measure the water volume through them and are often
// combined heat/cooling meters; ultrasonic water flow meters (TUF-2000M) take supply and return
// temperatures. Anything else is a reading filed under the wrong energy kind.
const ALSO: Record<EnergyKind, readonly EnergyKind[]> = {
  electricity: [],
  water: ['heat'],
  gas: [],
  heat: ['water', 'cooling'],
  cooling: ['water', 'heat'],
  other: [],
};

/** Whether a meter of `kind` may report `key` (see ALSO). */
export function kindFits(key: MeasurementKey, kind: EnergyKind): boolean {
  const k = MEASUREMENTS[key].kind;
  return k === null || k === kind || ALSO[kind].includes(k);
}

/** What is wrong with a meter of `kind` reporting `key`, or null. */
export function measurementProblem(key: string, kind: EnergyKind): string | null {
  if (!isMeasurementKey(key)) return `unknown measurement "${key}"`;
  if (!kindFits(key, kind)) return `${key} is a ${MEASUREMENTS[key].kind} measurement on a ${kind} meter`;
  return null;
}

function measurementRules(key: string, kind: EnergyKind, at: Path, err: (p: Path, m: string) => void): void {
  const problem = measurementProblem(key, kind);
  if (problem) err(at, problem);
}

function commonRules(m: CheckedModel, err: (p: Path, msg: string) => void): void {
  if (!m.name.trim()) err(['name'], 'no name');
  if (!m.vendor.trim()) err(['vendor'], 'no vendor');
  if (m.datasheet.trim().length < 10) err(['datasheet'], 'no datasheet named');
  const p = m.provenance as { status: string; source?: string };
  if (p.status !== 'captured' && p.status !== 'datasheet') err(['provenance', 'status'], `unknown provenance "${p.status}"`);
  else if (p.status === 'captured' && !(p.source && p.source.trim().length > 10)) err(['provenance', 'source'], 'captured without naming what was captured');
}

function modbusRules(m: MeterModel, err: (p: Path, msg: string) => void): void {
  if (m.registers.length === 0) err(['registers'], 'no registers');
  m.registers.forEach((r, j) => {
    const at = (field: string): Path => ['registers', j, field];
    measurementRules(r.measurement, m.kind, at('measurement'), err);
    const width = REGISTER_WIDTH[r.type] as number | undefined;
    if (width === undefined) err(at('type'), `unknown register type "${r.type}"`);
    if (r.fc !== 3 && r.fc !== 4) err(at('fc'), 'function code must be 3 or 4');
    if (!['ABCD', 'CDAB', 'BADC', 'DCBA'].includes(r.order)) err(at('order'), `unknown byte order "${r.order}"`);
    if (!Number.isFinite(r.scale) || r.scale === 0) err(at('scale'), 'scale must be finite and not 0');
    if (r.offset !== undefined && !Number.isFinite(r.offset)) err(at('offset'), 'offset must be finite');
    if (!Number.isInteger(r.address) || r.address < 0 || r.address > 0xffff) err(at('address'), 'address must be 0–65535');
    else if (width !== undefined && r.address + width > 0x10000) err(at('address'), `a ${r.type} at ${r.address} runs past register 65535`);
    if (width !== undefined) {
      // The decoder must agree with REGISTER_WIDTH: the register's words of zeros decode to a number.
      let why = 'not a number';
      try {
        if (Number.isFinite(decodeRegister(r, Buffer.alloc(width * 2), r.address))) why = '';
      } catch (e) {
        why = (e as Error).message;
      }
      if (why) err(at('type'), `${width} register(s) of zeros do not decode: ${why}`);
    }
    for (let k = 0; k < j; k++) {
      const o = m.registers[k]!;
      if (o.measurement === r.measurement) err(at('measurement'), `${r.measurement} is already read by registers[${k}]`);
      const ow = REGISTER_WIDTH[o.type] as number | undefined;
      if (o.fc === r.fc && width !== undefined && ow !== undefined && r.address < o.address + ow && o.address < r.address + width) {
        err(at('address'), `overlaps registers[${k}] (${o.measurement} at ${o.address}, FC ${o.fc})`);
      }
    }
  });

  const limits = limitsFor(m);
  if (m.limits?.maxRegisters !== undefined && !(m.limits.maxRegisters >= 1 && m.limits.maxRegisters <= MODBUS_MAX_REGISTERS)) {
    err(['limits', 'maxRegisters'], `maxRegisters must be 1–${MODBUS_MAX_REGISTERS} (Modbus spec 6.3/6.4)`);
  }
  if (!(limits.maxGap >= 0 && limits.maxGap < MODBUS_MAX_REGISTERS)) err(['limits', 'maxGap'], `maxGap must be 0–${MODBUS_MAX_REGISTERS - 1}`);
  (limits.boundaries ?? []).forEach((b, i) => {
    if (!(b >= 0 && b <= 0x10000)) err(['limits', 'boundaries', i], `boundary ${b} is outside the address space`);
  });
  const widest = Math.max(0, ...m.registers.map((r) => REGISTER_WIDTH[r.type] ?? 0));
  if (widest > limits.maxRegisters) err(['limits', 'maxRegisters'], `a register ${widest} words wide does not fit one request of ${limits.maxRegisters}`);

  (m.identify ?? []).forEach((h, i) => {
    if (!(h.min <= h.max)) err(['identify', i], `identify ${h.what}: empty range ${h.min}–${h.max}`);
    if (h.fc !== 3 && h.fc !== 4) err(['identify', i, 'fc'], `identify ${h.what}: function code must be 3 or 4`);
  });
}

function dlt645Rules(m: Dlt645Model, err: (p: Path, msg: string) => void): void {
  if (m.items.length === 0) err(['items'], 'no items');
  m.items.forEach((it, j) => {
    const at = (field: string): Path => ['items', j, field];
    measurementRules(it.measurement, m.kind, at('measurement'), err);
    if (!Number.isInteger(it.di) || it.di < 0 || it.di > 0xffffffff) err(at('di'), 'identifier must fit 4 bytes');
    if (it.scale !== undefined && (!Number.isFinite(it.scale) || it.scale === 0)) err(at('scale'), 'scale must be finite and not 0');
    for (let k = 0; k < j; k++) {
      const o = m.items[k]!;
      if (o.di === it.di) err(at('di'), `identifier ${it.di.toString(16).padStart(8, '0')} is already read by items[${k}]`);
      if (o.measurement === it.measurement) err(at('measurement'), `${it.measurement} is already read by items[${k}]`);
    }
    let bytes: number;
    try {
      bytes = parseFormat(it.format).bytes;
    } catch (e) {
      err(at('format'), (e as Error).message);
      return;
    }
    // The decoder must agree with the format: its bytes of zeros decode to 0.
    let why = 'not 0';
    try {
      if (decodeItem(it, Buffer.alloc(bytes)) === 0) why = '';
    } catch (e) {
      why = (e as Error).message;
    }
    if (why) err(at('format'), `${bytes} byte(s) of zeros do not decode to 0: ${why}`);
  });
}

function cjt188Rules(m: Cjt188Model, err: (p: Path, msg: string) => void): void {
  if (meterTypeKind(m.meterType) !== m.kind) err(['meterType'], `meter type ${m.meterType.toString(16).toUpperCase()}H is not a ${m.kind} meter type (CJ/T 188-2004 Table 2)`);
  if (m.diOrder !== '901F' && m.diOrder !== '1F90') err(['diOrder'], `unknown DI order "${String(m.diOrder)}"`);
  const entries = Object.entries(m.fields);
  if (entries.length === 0) err(['fields'], 'no fields');
  const layout = layoutFor(m.kind);
  const seen = new Map<string, string>();
  for (const [field, key] of entries) {
    const at: Path = ['fields', field];
    if (!(LAYOUT_FIELDS[layout] as readonly string[]).includes(field)) err(at, `${field} is not a field of the ${layout} layout`);
    if (!key) {
      err(at, 'no measurement');
      continue;
    }
    measurementRules(key, m.kind, at, err);
    const other = seen.get(key);
    if (other) err(at, `${key} is already mapped from ${other}`);
    seen.set(key, field);
  }
}

function mbusRules(m: MbusModel, err: (p: Path, msg: string) => void): void {
  if (m.items.length === 0) err(['items'], 'no items');
  // An M-Bus model may list one measurement more than once: the same quantity sent with
  // different VIFEs by different makers (forward-only heat energy, EN 13757-3 Table 14).
  m.items.forEach((it, j) => measurementRules(it.measurement, m.kind, ['items', j, 'measurement'], err));
  if (!/^[A-Z]{3}$/.test(m.manufacturer)) err(['manufacturer'], `manufacturer "${m.manufacturer}" is not a three-letter FLAG id (EN 13757-3 6.5)`);
  m.telegrams.forEach((t, i) => t.forEach((r, j) => {
    if (r.value !== 'fabrication_number' && r.value !== 'datetime' && !m.items.some((it) => it.measurement === r.value)) {
      err(['telegrams', i, j, 'value'], `sends ${r.value}, which no item reads`);
    }
  }));
}

/** Every finding of one model's own rules, built-in or user-defined. */
export function checkModel(m: CheckedModel): ModelFinding[] {
  const out: ModelFinding[] = [];
  const err = (path: Path, message: string) => out.push({ level: 'error', path, message });
  commonRules(m, err);
  switch (m.protocol) {
    case undefined: modbusRules(m, err); break;
    case 'dlt645': dlt645Rules(m, err); break;
    case 'cjt188': cjt188Rules(m, err); break;
    case 'mbus': mbusRules(m, err); break;
  }
  return out;
}

/**
 * Rules across a list of models: names unique (case-insensitive, across protocols, because the
 * config names a model by name alone), and `generic` left to config-defined meters.
 */
export function checkCatalogue(models: readonly CheckedModel[]): ModelFinding[] {
  const out: ModelFinding[] = [];
  const names = new Map<string, number>();
  models.forEach((m, i) => {
    const key = m.name.toLowerCase();
    const other = names.get(key);
    if (other !== undefined) out.push({ level: 'error', path: [i, 'name'], message: `${m.name}: the name of models[${other}] too` });
    else names.set(key, i);
    if (key === GENERIC) out.push({ level: 'error', path: [i, 'name'], message: `"${GENERIC}" is reserved for meters defined in the config` });
  });
  return out;
}

/**
 * The model of a `generic` meter, from its config registers. Refuses (RangeError, every finding
 * with its path) a table the checker finds wrong, so nothing polls with one.
 */
export function genericModel(registers: readonly GenericRegister[], kind: EnergyKind): MeterModel {
  const model = genericTable(registers, kind);
  const errors = checkModel(model).filter((f) => f.level === 'error');
  if (errors.length > 0) throw new RangeError(errors.map((f) => `${formatPath(f.path)}: ${f.message}`).join('; '));
  return model;
}
