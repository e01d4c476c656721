import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  EndUseSchema, EnergyKindSchema, FacilitySchema, Id, MeasurementKeySchema, ZoneSchema, ZmError, parseConfig,
} from '../core/index.ts';
import { passwordHashProblem } from '../core/password.ts';
import { findModel } from './models/index.ts';
import { SERIAL_PROTOCOLS, findProtocolModel, isSerialProtocol } from './protocols/registry.ts';

const HostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT')
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, {
    error: (iss) => `port ${String(iss.input).slice(String(iss.input).lastIndexOf(':') + 1)} out of range (0–65535)`,
  });
const ms = (def: number) => z.number().int().min(0).default(def);

/** 127.0.0.0/8, ::1 and localhost: the addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The gateway's own HTTP listener: health, status, metrics and the commissioning console. Written
 * as `HOST:PORT` (as before the console had a password) or as an object with the password. Any
 * address but loopback needs a password: the console scans buses and reads meters.
 */
const HttpSchema = z.union([
  HostPort,
  z.object({
    listen: HostPort.default('127.0.0.1:8081'),
    /** Plain text, for a config file only root can read; passwordHash keeps it out of the file. */
    password: z.string().min(8, 'at least 8 characters').max(256).optional(),
    /** `zonemeter gateway hash-password PASSWORD` (the same scrypt format as the ingestor's gateway passwords). */
    passwordHash: z.string().refine((v) => passwordHashProblem(v) === null, { error: (iss) => passwordHashProblem(String(iss.input)) ?? 'invalid' }).optional(),
  }).strict(),
]).transform((v) => (typeof v === 'string' ? { listen: v } : v)).superRefine((v, ctx) => {
  if (v.password !== undefined && v.passwordHash !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['password'], message: 'give password or passwordHash, not both' });
  }
  const host = v.listen.slice(0, v.listen.lastIndexOf(':'));
  if (!isLoopbackHost(host) && v.password === undefined && v.passwordHash === undefined) {
    ctx.addIssue({
      code: 'custom', path: ['password'],
      message: `listening on ${v.listen} (not loopback) needs http.password or http.passwordHash: anyone who reaches it could scan buses and read meters. Set one, or listen on 127.0.0.1 and use an SSH tunnel (docs/deploy.md)`,
    });
  }
});
export type HttpConfig = z.infer<typeof HttpSchema>;

export const ByteOrderSchema = z.enum(['ABCD', 'CDAB', 'BADC', 'DCBA']);
export const RegisterTypeSchema = z.enum(['int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64']);

/** A register of a `generic` meter, defined in the config instead of a model file. */
export const GenericRegisterSchema = z.object({
  measurement: MeasurementKeySchema,
  fc: z.union([z.literal(3), z.literal(4)], { error: 'expected function code 3 or 4' }),
  address: z.number().int().min(0).max(65535),
  type: RegisterTypeSchema,
  order: ByteOrderSchema.default('ABCD'),
  scale: z.number().refine((v) => v !== 0, 'scale must not be 0').default(1),
  offset: z.number().default(0),
});

const BusBase = {
  id: Id,
  /** Most time one transaction may take before it counts as failed. */
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  /** Silence kept between the end of one transaction and the next request on this line. */
  interFrameDelayMs: ms(0),
};

const SerialSettings = {
  baud: z.number().int().refine((b) => [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200].includes(b), 'expected a standard baud rate (1200–115200)').default(9600),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
};

export const BusSchema = z.discriminatedUnion('type', [
  z.object({ ...BusBase, type: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535).default(502) }),
  z.object({ ...BusBase, type: z.literal('rtu'), path: z.string().min(1), ...SerialSettings }),
  z.object({ ...BusBase, type: z.literal('rtu-over-tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  z.object({
    ...BusBase, type: z.literal('mqtt'), url: z.string().regex(/^(mqtts?|wss?):\/\//, 'expected mqtt://, mqtts://, ws:// or wss:// URL'),
    username: z.string().optional(), password: z.string().optional(),
  }),
]);
export type BusConfig = z.infer<typeof BusSchema>;

/** How an MQTT meter's JSON payload maps to measurements: key → dotted path, with a scale. */
export const MqttMappingSchema = z.object({
  topic: z.string().min(1),
  fields: z.partialRecord(MeasurementKeySchema, z.union([
    z.string().min(1),
    z.object({ path: z.string().min(1), scale: z.number().default(1) }),
  ])).refine((f) => Object.keys(f).length > 0, 'map at least one field'),
  /** Dotted path of a timestamp in the payload (ISO string or epoch s/ms); receive time if absent. */
  timePath: z.string().optional(),
});

/**
 * The protocol a meter speaks on its bus. `modbus` meters are addressed by `unitId`; the other
 * serial protocols (gateway/protocols/registry.ts) by `address`, and share the bus scheduler.
 */
export const MeterProtocolSchema = z.enum(['modbus', 'dlt645', 'cjt188', 'mbus']);
export type MeterProtocol = z.infer<typeof MeterProtocolSchema>;

export const MeterSchema = z.object({
  id: Id,
  name: z.string().optional(),
  bus: Id,
  protocol: MeterProtocolSchema.default('modbus'),
  /**
   * DL/T 645: 12 digits; CJ/T 188: 14 digits — as printed on the nameplate; M-Bus: the primary
   * address 1–250 (YAML may write it as a number).
   */
  address: z.union([z.string(), z.number().int().min(0).transform(String)]).optional(),
  /** M-Bus: the 8-digit identification number, for a meter read by secondary address. */
  secondary: z.string().optional(),
  /** CJ/T 188 meter type T (0x10 cold water, 0x20 heat, …); the model's own when absent. */
  meterType: z.number().int().min(0).max(255).optional(),
  /** FEH wake-up bytes sent before each request (0–4); the protocol's default when absent. */
  preamble: z.number().int().min(0).max(4).optional(),
  unitId: z.number({ error: 'expected integer 1–247' }).int('expected integer 1–247').min(1, 'expected integer 1–247').max(247, 'expected integer 1–247').optional(),
  model: z.string().min(1),
  kind: EnergyKindSchema.optional(),
  building: Id.optional(),
  zone: ZoneSchema,
  endUse: EndUseSchema,
  facility: FacilitySchema.optional(),
  parent: Id.optional(),
  role: z.enum(['main', 'sub']).default('sub'),
  intervalMs: z.number().int().min(100).max(86_400_000).default(1000),
  timeoutMs: z.number().int().min(10).max(60_000).optional(),
  retries: z.number().int().min(0).max(10).default(2),
  /** Current-transformer ratio (e.g. 200/5 → 40) applied to energy, power and current. */
  ct: z.number().positive().default(1),
  /** Voltage-transformer ratio applied to energy, power and voltage. */
  pt: z.number().positive().default(1),
  registers: z.array(GenericRegisterSchema).optional(),
  mqtt: MqttMappingSchema.optional(),
});
export type MeterConfig = z.infer<typeof MeterSchema>;

/**
 * A serial line of only DL/T 645 / CJ/T 188 meters that names no baud or parity gets its
 * protocol's default (2400 8E1), not Modbus's 9600 8N1. Applied before validation, so the
 * parsed config always carries the settings the line is opened with.
 */
function applyLineDefaults(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const cfg = raw as { buses?: unknown; meters?: unknown };
  if (!Array.isArray(cfg.buses) || !Array.isArray(cfg.meters)) return raw;
  const meters = cfg.meters as { bus?: unknown; protocol?: unknown }[];
  const buses = cfg.buses.map((b: unknown) => {
    if (!b || typeof b !== 'object' || (b as { type?: unknown }).type !== 'rtu') return b;
    const bus = b as Record<string, unknown>;
    const protocols = new Set(meters.filter((m) => m && m.bus === bus.id).map((m) => String(m.protocol ?? 'modbus')));
    if (protocols.size !== 1) return b;
    const [p] = [...protocols];
    if (!p || !isSerialProtocol(p)) return b;
    const d = SERIAL_PROTOCOLS[p].line;
    return { baud: d.baud, parity: d.parity, dataBits: d.dataBits, stopBits: d.stopBits, ...bus };
  });
  return { ...cfg, buses };
}

/** The energy kind of a meter: its own `kind`, else its model's. */
function modelKind(m: { protocol: MeterProtocol; model: string; kind?: string | undefined }): string | undefined {
  if (m.kind) return m.kind;
  return m.protocol === 'modbus' ? findModel(m.model)?.kind : findProtocolModel(m.protocol, m.model)?.kind;
}

export const GatewayConfigSchema = z.preprocess(applyLineDefaults, z.object({
  site: Id,
  gateway: Id,
  building: Id,
  uplink: z.object({
    url: z.string().regex(/^(mqtts?|wss?):\/\//, 'expected mqtt://, mqtts://, ws:// or wss:// URL').default('mqtt://127.0.0.1:1883'),
    username: z.string().optional(),
    password: z.string().optional(),
    tls: z.object({
      ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional(),
      rejectUnauthorized: z.boolean().default(true),
    }).optional(),
    batch: z.object({
      maxReadings: z.number().int().min(1).max(10_000).default(500),
      maxBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
      maxAgeMs: z.number().int().min(0).default(1000),
    }).prefault({}),
    /** Batches sent but not yet acknowledged. */
    window: z.number().int().min(1).max(64).default(8),
    ackTimeoutMs: z.number().int().min(100).default(10_000),
  }).prefault({}),
  journal: z.object({
    dir: z.string().default('./var/journal'),
    maxBytes: z.number().int().min(1024 * 1024).default(1024 * 1024 * 1024),
    segmentBytes: z.number().int().min(64 * 1024).default(16 * 1024 * 1024),
    fsyncIntervalMs: z.number().int().min(0).default(1000),
    /** Least time between writes of the ack cursor; a cut loses at most this much ack progress (a re-send, never data). */
    cursorIntervalMs: z.number().int().min(0).default(10_000),
  }).prefault({}),
  /** When the clock can be believed; readings wait (bounded) until it can. docs/deploy.md, "Clocks on boards without an RTC". */
  clock: z.object({
    trust: z.enum(['auto', 'verify', 'system']).default('auto'),
    maxJumpSeconds: z.number().positive().default(2),
    ingestorToleranceMs: z.number().int().min(10).default(2000),
    maxHeldReadings: z.number().int().min(100).default(10_000),
    /** clock.json and clock-held.jsonl; default: the journal's dir. */
    dir: z.string().optional(),
    /** Tests and diagnosis only, set by ZM_CLOCK_OFFSET_MS: the wall clock is read this far off. */
    offsetMs: z.number().int().default(0),
  }).prefault({}),
  /** Health, status, metrics and the console; ZM_GATEWAY_HTTP overrides its address (`listen`). */
  http: HttpSchema.default({ listen: '127.0.0.1:8081' }),
  buses: z.array(BusSchema).min(1, 'define at least one bus'),
  meters: z.array(MeterSchema).min(1, 'define at least one meter'),
}).superRefine((cfg, ctx) => {
  const buses = new Map(cfg.buses.map((b) => [b.id, b]));
  const seenBus = new Set<string>();
  cfg.buses.forEach((b, i) => {
    if (seenBus.has(b.id)) ctx.addIssue({ code: 'custom', path: ['buses', i, 'id'], message: `duplicate bus id "${b.id}"` });
    seenBus.add(b.id);
  });
  const seenMeter = new Set<string>();
  const unitIds = new Map<string, number>();
  const mainByBuilding = new Map<string, string>();
  cfg.meters.forEach((m, i) => {
    const at = (...p: (string | number)[]) => ['meters', i, ...p];
    if (seenMeter.has(m.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate meter id "${m.id}"` });
    seenMeter.add(m.id);
    const bus = buses.get(m.bus);
    if (!bus) {
      ctx.addIssue({ code: 'custom', path: at('bus'), message: `no bus "${m.bus}" (buses: ${[...buses.keys()].join(', ')})` });
      return;
    }
    if (m.protocol !== 'modbus') {
      const proto = SERIAL_PROTOCOLS[m.protocol];
      if (bus.type !== 'rtu' && bus.type !== 'rtu-over-tcp') {
        ctx.addIssue({ code: 'custom', path: at('bus'), message: `a ${proto.label} meter needs a serial line: bus "${m.bus}" is ${bus.type} (use type rtu, or rtu-over-tcp for a transparent serial server)` });
      }
      for (const [key, message] of proto.checkMeter(m)) ctx.addIssue({ code: 'custom', path: at(key), message });
      if (m.unitId !== undefined) ctx.addIssue({ code: 'custom', path: at('unitId'), message: `unitId is a Modbus setting; a ${proto.label} meter is addressed by "address"` });
      const lineKey = proto.lineKey(m);
      if (lineKey !== undefined) {
        const key = `${m.bus}#${m.protocol}#${lineKey}`;
        const other = unitIds.get(key);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: at('address'), message: `address ${lineKey} is already used on bus "${m.bus}" by meters[${other}]` });
        else unitIds.set(key, i);
      }
      if (!findProtocolModel(m.protocol, m.model)) {
        ctx.addIssue({ code: 'custom', path: at('model'), message: `unknown ${proto.label} model "${m.model}" (${proto.models.map((x) => x.name).join(', ')})` });
      }
    } else if (bus.type === 'mqtt') {
      if (!m.mqtt) ctx.addIssue({ code: 'custom', path: at('mqtt'), message: 'a meter on an MQTT bus needs an mqtt mapping (topic, fields)' });
      if (!m.kind) ctx.addIssue({ code: 'custom', path: at('kind'), message: 'an MQTT meter needs its kind' });
    } else {
      if (m.unitId === undefined) ctx.addIssue({ code: 'custom', path: at('unitId'), message: 'expected integer 1–247' });
      else {
        const key = `${m.bus}#${m.unitId}`;
        const other = unitIds.get(key);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: at('unitId'), message: `unit id ${m.unitId} is already used on bus "${m.bus}" by meters[${other}]` });
        else unitIds.set(key, i);
      }
      if (m.model === 'generic') {
        if (!m.registers?.length) ctx.addIssue({ code: 'custom', path: at('registers'), message: 'a generic meter needs its registers' });
        if (!m.kind) ctx.addIssue({ code: 'custom', path: at('kind'), message: 'a generic meter needs its kind' });
      } else if (!findModel(m.model)) {
        ctx.addIssue({ code: 'custom', path: at('model'), message: `unknown model "${m.model}" (see \`zonemeter gateway models\`)` });
      }
    }
    if (m.role === 'main') {
      const key = `${m.building ?? cfg.building}#${modelKind(m)}`;
      const other = mainByBuilding.get(key);
      if (other) ctx.addIssue({ code: 'custom', path: at('role'), message: `building already has a main ${key.split('#')[1]} meter "${other}"` });
      else mainByBuilding.set(key, m.id);
    }
  });
  cfg.meters.forEach((m, i) => {
    if (m.parent && !seenMeter.has(m.parent)) ctx.addIssue({ code: 'custom', path: ['meters', i, 'parent'], message: `no meter "${m.parent}"` });
    if (m.parent === m.id) ctx.addIssue({ code: 'custom', path: ['meters', i, 'parent'], message: 'a meter cannot be its own parent' });
  });
  // A line carries one framing: modbus-serial owns the port of a Modbus line, so a Modbus meter
  // and a DL/T 645 / CJ/T 188 meter cannot share one (DL/T 645 and CJ/T 188 can: same framing rules).
  for (const [i, b] of cfg.buses.entries()) {
    const on = cfg.meters.filter((m) => m.bus === b.id);
    if (on.some((m) => m.protocol === 'modbus') && on.some((m) => m.protocol !== 'modbus') && b.type !== 'mqtt') {
      ctx.addIssue({ code: 'custom', path: ['buses', i, 'id'], message: `bus "${b.id}" mixes Modbus meters with ${[...new Set(on.filter((m) => m.protocol !== 'modbus').map((m) => m.protocol))].join(', ')} meters; give each its own line` });
    }
    // An M-Bus line is its own physical bus (EN 13757-2: a level converter powers and listens to
    // it); RS-485 meters are not on it.
    if (on.some((m) => m.protocol === 'mbus') && on.some((m) => m.protocol !== 'mbus') && b.type !== 'mqtt') {
      ctx.addIssue({ code: 'custom', path: ['buses', i, 'id'], message: `bus "${b.id}" mixes M-Bus meters with ${[...new Set(on.filter((m) => m.protocol !== 'mbus').map((m) => m.protocol))].join(', ')} meters; an M-Bus line carries only M-Bus meters` });
    }
  }
}).transform((cfg) => ({
  ...cfg,
  // Every meter leaves the config with its kind, whichever protocol's model it comes from.
  meters: cfg.meters.map((m) => (m.kind ? m : { ...m, kind: modelKind(m) as typeof m.kind })),
})));
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

/** Reads a YAML or JSON gateway config; every problem is reported with its path. */
export function loadGatewayConfig(file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const raw = readConfigFile(file);
  if (env.ZM_GATEWAY_HTTP && raw && typeof raw === 'object') {
    // Only the address: a password in the file still holds for the address the environment gives.
    const r = raw as Record<string, unknown>;
    r.http = r.http && typeof r.http === 'object' ? { ...r.http, listen: env.ZM_GATEWAY_HTTP } : env.ZM_GATEWAY_HTTP;
  }
  if (env.ZM_CLOCK_OFFSET_MS && raw && typeof raw === 'object') {
    const r = raw as Record<string, unknown>;
    r.clock = { ...(typeof r.clock === 'object' ? r.clock : {}), offsetMs: Number(env.ZM_CLOCK_OFFSET_MS) };
  }
  return parseConfig(GatewayConfigSchema, raw, file);
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ZmError('ERR_CONFIG_READ', `${file}: ${(err as Error).message}`);
  }
  try {
    // YAML 1.2 is a superset of JSON, so one parser takes both.
    return parseYaml(text);
  } catch (err) {
    throw new ZmError('ERR_CONFIG_INVALID', `${file}: not valid YAML/JSON`, { details: [(err as Error).message] });
  }
}
