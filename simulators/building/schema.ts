import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  EndUseSchema, EnergyKindSchema, FacilitySchema, Id, ZmError, ZoneSchema, parseConfig,
} from '../../core/index.ts';
import { CJT188_MODELS, DLT645_MODELS, MBUS_MODELS, findModel } from '../../gateway/models/index.ts';
import { PROFILE_NAMES } from './loads.ts';

/** `2026-01-01` or an ISO date-time; a date alone is local midnight of the site. */
const DateText = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected a date, e.g. 2020-01-01');
const Port = z.number().int().min(0).max(65535);

/**
 * What a serial line speaks: Modbus RTU, DL/T 645-2007 / CJ/T 188 meters addressed by the
 * number on their nameplate, or wired M-Bus (EN 13757) by primary or secondary address.
 */
const LineProtocol = z.enum(['modbus', 'dlt645', 'cjt188', 'mbus']).default('modbus');

export const EndpointSchema = z.discriminatedUnion('type', [
  z.object({ id: Id, type: z.literal('tcp'), host: z.string().default('127.0.0.1'), port: Port.default(0) }),
  z.object({ id: Id, type: z.literal('rtu-over-tcp'), host: z.string().default('127.0.0.1'), port: Port.default(0), protocol: LineProtocol }),
  z.object({
    id: Id, type: z.literal('rtu'), path: z.string().min(1), baud: z.number().int().default(9600), protocol: LineProtocol,
    parity: z.enum(['none', 'even', 'odd']).optional(),
  }),
  z.object({
    id: Id, type: z.literal('mqtt'), url: z.string().regex(/^mqtts?:\/\//, 'expected mqtt:// or mqtts:// URL'),
    username: z.string().optional(), password: z.string().optional(),
    /** Seconds between Tasmota SENSOR telegrams (Tasmota's TelePeriod). */
    periodS: z.number().min(0.1).default(10),
  }),
]);
export type Endpoint = z.infer<typeof EndpointSchema>;

export const SiteMeterSchema = z.object({
  id: Id,
  name: z.string().optional(),
  /** A model from `zonemeter gateway models`, or `Tasmota` for an MQTT meter. */
  model: z.string().min(1),
  kind: EnergyKindSchema.optional(),
  zone: ZoneSchema,
  endUse: EndUseSchema,
  facility: FacilitySchema.optional(),
  parent: Id.optional(),
  endpoint: Id,
  unitId: z.number().int().min(1).max(247).optional(),
  /** A DL/T 645 (12 digits) or CJ/T 188 (14 digits) meter's nameplate address; an M-Bus primary address 1–250. */
  address: z.union([z.string(), z.number().int().min(0).transform(String)]).optional(),
  /** An M-Bus meter's 8-digit identification number; the gateway then selects it by secondary address. */
  secondary: z.string().optional(),
  /** Leaf meters only: the load shape and its peak (kW for electricity, m³/h for water and heat). */
  profile: z.enum(PROFILE_NAMES).optional(),
  scale: z.number().min(0).optional(),
  /** Parents only: share of the children's sum lost on the way (cables, transformer, leaks). */
  losses: z.number().min(0).max(0.5).default(0),
  /** Counter reading at the site's origin; a parent's follows from its children. */
  initial: z.number().min(0).default(0),
});
export type SiteMeter = z.infer<typeof SiteMeterSchema>;

/**
 * What can go wrong with a meter of a building. The first six act on each request to the meter
 * (see simulators/meter/faults.ts); `stuck`, `rollover` and `replace` act on its counters;
 * `link_drop` closes the whole endpoint the meter is on (listener and connections) until cleared.
 */
export const BuildingFaultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('silent'), times: z.number().int().min(1).optional() }),
  z.object({ kind: z.literal('delay'), ms: z.number().int().min(1), times: z.number().int().min(1).optional() }),
  z.object({ kind: z.literal('bad_crc'), times: z.number().int().min(1).optional() }),
  z.object({ kind: z.literal('garbage'), length: z.number().int().min(1).max(256).optional(), times: z.number().int().min(1).optional() }),
  z.object({ kind: z.literal('exception'), code: z.number().int().min(1).max(255), times: z.number().int().min(1).optional() }),
  z.object({ kind: z.literal('disconnect'), times: z.number().int().min(1).optional() }),
  z.object({ kind: z.literal('stuck') }),
  z.object({ kind: z.literal('rollover'), before: z.number().positive().default(1) }),
  z.object({ kind: z.literal('replace'), newFirst: z.number().min(0).default(0) }),
  z.object({ kind: z.literal('link_drop') }),
  // The usage counter reads `value` (a corrupt register, a glitching meter) until cleared; the
  // truth keeps the real energy, so usage derived from it must refuse the step.
  z.object({ kind: z.literal('counter_jump'), value: z.number().min(0).default(99_999_999) }),
  // Real consumption, not a reading fault: water runs steadily (a leaking pipe or cistern) at
  // `flowM3h`, night and day, through the meter and every meter above it; the truth counts it.
  z.object({ kind: z.literal('leak'), flowM3h: z.number().positive().default(0.5) }),
  // Left on over the weekend: on weekends and holidays the meter's loads (and those under it) follow
  // the working-day shape, as if nobody switched them off on Friday; working days are unchanged.
  z.object({ kind: z.literal('left_on') }),
]);
export type BuildingFault = z.infer<typeof BuildingFaultSchema>;

export const FaultSpecSchema = z.object({
  meter: Id,
  /** Simulated minutes after the simulator starts, on the building's clock (accelerated or not). */
  atMin: z.number().min(0),
  /** How long it lasts, in simulated minutes; omit for one that stays (or is instantaneous, like a replacement). */
  forMin: z.number().positive().optional(),
  fault: BuildingFaultSchema,
});
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export const SiteSchema = z.object({
  site: Id,
  gateway: Id.default('gw-1'),
  seed: z.number().int().default(1),
  utcOffsetHours: z.number().min(-12).max(14).default(8),
  /** Counters start at `initial` here; backfill and live time both integrate from it. */
  origin: DateText.default('2020-01-01'),
  heating: z.object({ supplyC: z.number().default(75), returnC: z.number().default(50) }).prefault({}),
  endpoints: z.array(EndpointSchema).min(1, 'define at least one endpoint'),
  buildings: z.array(z.object({ id: Id, name: z.string().optional(), meters: z.array(SiteMeterSchema).min(1) })).min(1),
  /** Meters swapped in the past: from `at` the counter restarts at `newFirst`. */
  replacements: z.array(z.object({ meter: Id, at: DateText, newFirst: z.number().min(0) })).default([]),
  faults: z.array(FaultSpecSchema).default([]),
}).superRefine((site, ctx) => {
  const endpoints = new Map(site.endpoints.map((e) => [e.id, e]));
  const ids = new Set<string>();
  const unitIds = new Set<string>();
  const all = site.buildings.flatMap((b, bi) => b.meters.map((m, mi) => ({ m, at: ['buildings', bi, 'meters', mi] as (string | number)[] })));
  const parents = new Set(all.map(({ m }) => m.parent).filter((p): p is string => p !== undefined));
  for (const { m, at } of all) {
    const issue = (k: string, message: string) => ctx.addIssue({ code: 'custom', path: [...at, k], message });
    if (ids.has(m.id)) issue('id', `duplicate meter id "${m.id}"`);
    ids.add(m.id);
    const ep = endpoints.get(m.endpoint);
    if (!ep) { issue('endpoint', `no endpoint "${m.endpoint}" (endpoints: ${[...endpoints.keys()].join(', ')})`); continue; }
    if (ep.type === 'mqtt') {
      if (m.kind !== 'electricity') issue('kind', 'an MQTT (Tasmota) meter is an electricity meter: give kind: electricity');
    } else if (ep.type !== 'tcp' && ep.protocol === 'mbus') {
      const model = mbusModel(m.model);
      if (!model) issue('model', `unknown M-Bus model "${m.model}" (${MBUS_MODELS.map((x) => x.name).join(', ')})`);
      else if (m.kind && m.kind !== model.kind) issue('kind', `model ${model.name} is a ${model.kind} meter`);
      if (m.unitId !== undefined) issue('unitId', 'an M-Bus meter is addressed by "address" (1–250) or "secondary", not a unit id');
      if (m.address !== undefined && !(/^[0-9]{1,3}$/.test(m.address) && Number(m.address) >= 1 && Number(m.address) <= 250)) issue('address', `an M-Bus primary address is 1–250, got "${m.address}"`);
      if (m.secondary !== undefined && !/^[0-9]{8}$/.test(m.secondary)) issue('secondary', `an M-Bus secondary address is 8 digits, got "${m.secondary}"`);
      if (m.address === undefined && m.secondary === undefined) issue('address', 'an M-Bus meter needs its primary address 1–250 or its 8-digit secondary address');
      // The simulated slave answers at its primary address (0 if none) and its secondary address.
      for (const key of [m.address && `#${m.address}`, m.secondary && `#s${m.secondary}`].filter((k): k is string => Boolean(k))) {
        if (unitIds.has(`${m.endpoint}${key}`)) issue(key.startsWith('#s') ? 'secondary' : 'address', `${key.startsWith('#s') ? 'secondary' : 'address'} ${key.replace(/^#s?/, '')} is already used on endpoint "${m.endpoint}"`);
        unitIds.add(`${m.endpoint}${key}`);
      }
    } else if (ep.type !== 'tcp' && ep.protocol !== 'modbus') {
      const digits = ep.protocol === 'dlt645' ? 12 : 14;
      const model = serialModel(ep.protocol as 'dlt645' | 'cjt188', m.model);
      if (!model) issue('model', `unknown ${ep.protocol} model "${m.model}" (see \`zonemeter gateway models --protocol ${ep.protocol}\`)`);
      else if (m.kind && m.kind !== model.kind) issue('kind', `model ${model.name} is a ${model.kind} meter`);
      if (m.unitId !== undefined) issue('unitId', `a ${ep.protocol} meter is addressed by "address", not a unit id`);
      if (m.address === undefined || !new RegExp(`^[0-9]{${digits}}$`).test(m.address)) issue('address', `a ${ep.protocol} meter needs its ${digits}-digit address`);
      else if (unitIds.has(`${m.endpoint}#${m.address}`)) issue('address', `address ${m.address} is already used on endpoint "${m.endpoint}"`);
      else unitIds.add(`${m.endpoint}#${m.address}`);
    } else {
      const model = findModel(m.model);
      if (!model) issue('model', `unknown model "${m.model}" (see \`zonemeter gateway models\`)`);
      else if (m.kind && m.kind !== model.kind) issue('kind', `model ${model.name} is a ${model.kind} meter`);
      if (m.unitId === undefined) issue('unitId', 'a Modbus meter needs its unit id (1–247)');
      else if (unitIds.has(`${m.endpoint}#${m.unitId}`)) issue('unitId', `unit id ${m.unitId} is already used on endpoint "${m.endpoint}"`);
      else unitIds.add(`${m.endpoint}#${m.unitId}`);
    }
    if (!parents.has(m.id) && (m.profile === undefined || m.scale === undefined)) issue('profile', 'a meter without sub-meters needs a load profile and a scale');
  }
  const byId = new Map(all.map(({ m }) => [m.id, m]));
  for (const { m, at } of all) {
    if (!m.parent) continue;
    const p = byId.get(m.parent);
    if (!p) ctx.addIssue({ code: 'custom', path: [...at, 'parent'], message: `no meter "${m.parent}"` });
    else if (kindOf(p) !== kindOf(m)) ctx.addIssue({ code: 'custom', path: [...at, 'parent'], message: `parent "${p.id}" measures ${kindOf(p)}, not ${kindOf(m)}` });
    // A cycle would make the hierarchy sum recurse forever.
    const seen = new Set([m.id]);
    for (let q = p; q?.parent; q = byId.get(q.parent)) {
      if (seen.has(q.id)) { ctx.addIssue({ code: 'custom', path: [...at, 'parent'], message: 'parents form a cycle' }); break; }
      seen.add(q.id);
    }
  }
  site.faults.forEach((f, i) => {
    const m = byId.get(f.meter);
    if (!m) ctx.addIssue({ code: 'custom', path: ['faults', i, 'meter'], message: `no meter "${f.meter}"` });
    else if (f.fault.kind === 'leak' && kindOf(m) !== 'water') ctx.addIssue({ code: 'custom', path: ['faults', i, 'fault', 'kind'], message: `a leak is on a water meter; "${f.meter}" measures ${kindOf(m)}` });
  });
  site.replacements.forEach((r, i) => {
    if (!byId.has(r.meter)) ctx.addIssue({ code: 'custom', path: ['replacements', i, 'meter'], message: `no meter "${r.meter}"` });
  });
});
export type Site = z.infer<typeof SiteSchema>;

export function kindOf(m: SiteMeter): z.infer<typeof EnergyKindSchema> {
  return m.kind ?? findModel(m.model)?.kind ?? serialModel('dlt645', m.model)?.kind ?? serialModel('cjt188', m.model)?.kind ?? mbusModel(m.model)?.kind ?? 'electricity';
}

/** The M-Bus model of that name (case-insensitive). */
export function mbusModel(name: string) {
  const n = name.toLowerCase();
  return MBUS_MODELS.find((x) => x.name.toLowerCase() === n);
}

/** The DL/T 645 or CJ/T 188 model of that name (case-insensitive). */
export function serialModel(protocol: 'dlt645' | 'cjt188', name: string) {
  const n = name.toLowerCase();
  return (protocol === 'dlt645' ? DLT645_MODELS : CJT188_MODELS).find((x) => x.name.toLowerCase() === n);
}

export function parseSite(raw: unknown, source: string): Site {
  return parseConfig(SiteSchema, raw, source);
}

/** Reads a YAML/JSON site file; every problem is reported with its path. */
export function loadSite(file: string): Site {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ZmError('ERR_CONFIG_READ', `${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ZmError('ERR_CONFIG_INVALID', `${file}: not valid YAML/JSON`, { details: [(err as Error).message] });
  }
  return parseSite(raw, file);
}

/** A date in the site's local time: `2020-01-01` is local midnight, an ISO string with offset is itself. */
export function siteTime(text: string, utcOffsetHours: number): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`) - utcOffsetHours * 3_600_000;
  return Date.parse(text);
}
