import { z } from 'zod';
import { Id } from '../../core/index.ts';
import { PADDINGS } from '../../core/platform/cipher.ts';
import { parseKey } from '../../core/platform/codec.ts';
import { DIALECT_NAMES } from '../../core/platform/dialects.ts';

// YAML reads 0000000000123456 or 01 as numbers, losing the leading zeros: ask for quotes.
const Quoted = () => z.string({ error: (iss) => (iss.input === undefined ? 'required' : `expected a quoted string (YAML read ${String(iss.input)} as a ${typeof iss.input}; write it in quotes)`) });
const KeyText = Quoted().refine((s) => parseKey(s) !== null, 'expected 32 hex digits or 16 ASCII characters (AES-128)');
const DateText = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date or date-time, e.g. 2025-01-01T00:00:00+08:00');

export const PlatformBuildingSchema = z.object({
  site: Id,
  /** The registry building (the `building` tag of its meters). */
  building: Id,
  /** The platform's code for the building: 6-digit area code, a category letter, 3 digits (gb2008), or the project id. */
  buildingId: Quoted().min(1).max(32),
  /** The collector (数据采集器) number the platform knows this building's data by. */
  gatewayId: Quoted().regex(/^[\w-]{1,32}$/, 'expected 1–32 letters, digits, "_" or "-"'),
});

export type PlatformBuilding = z.infer<typeof PlatformBuildingSchema>;

export const PlatformSchema = z.object({
  id: Id,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  dialect: z.enum(DIALECT_NAMES).default('gb2008'),
  key: KeyText,
  iv: KeyText,
  /** Overrides the dialect's padding. */
  padding: z.enum(PADDINGS).optional(),
  /** A vendor's variant of the dialect's framing; each key replaces the dialect's (docs/platforms.md). */
  framing: z.object({
    head: Quoted().regex(/^[0-9a-fA-F]{8}$/, 'expected 8 hex digits, e.g. 55aa55aa').optional(),
    tail: Quoted().regex(/^[0-9a-fA-F]{8}$/, 'expected 8 hex digits, e.g. 68681616').optional(),
    crcScope: z.enum(['payload', 'frame']).optional(),
    crcEndian: z.enum(['le', 'be']).optional(),
    idElement: z.enum(['building_id', 'project_id']).optional(),
  }).strict().optional(),
  /** Overrides the dialect's `<function error>` code for a value that could not be read. */
  errorMissing: z.string().regex(/^\d{1,5}$/, 'expected a numeric error code').optional(),
  /** Shared secret of the MD5 challenge: md5(sequence + secret). */
  secret: Quoted().min(1).max(256),
  periodMin: z.union([z.literal(15), z.literal(30), z.literal(60)]).default(15),
  heartbeatS: z.number().min(1).max(3600).default(60),
  ackTimeoutS: z.number().min(1).max(600).default(30),
  /** First period to report (its start); without it, reporting starts with the period in progress at first start. */
  from: DateText.optional(),
  /** How long a period whose meters have not all reported past its end waits before it is sent with error codes. */
  maxWaitMin: z.number().min(0).max(7 * 24 * 60).default(60),
  /** Seconds a complete period waits (real time) for the usage derived from its last readings to be written. */
  settleS: z.number().min(0).max(600).default(5),
  /** Bound on backlog (`continuous`) messages per minute after an outage. */
  continuousPerMinute: z.number().int().min(1).max(6000).default(60),
  retry: z.object({ minMs: z.number().int().min(50).default(1000), maxMs: z.number().int().min(100).default(60_000) }).prefault({}),
  maxFrameBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  maxMeters: z.number().int().min(1).max(100_000).default(2000),
  buildings: z.array(PlatformBuildingSchema).min(1, 'map at least one registry building to its building_id and gateway_id').max(10_000),
}).superRefine((p, ctx) => {
  const seen = new Set<string>();
  p.buildings.forEach((b, i) => {
    const k = `${b.site}/${b.building}`;
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: ['buildings', i, 'building'], message: `building ${k} is mapped twice` });
    seen.add(k);
    // 能耗监测系统数据传输技术导则: building code = 6-digit administrative area code, a category letter, 3 digits.
    if (p.dialect === 'gb2008' && !/^\d{6}[A-Z]\d{3}$/.test(b.buildingId)) {
      ctx.addIssue({ code: 'custom', path: ['buildings', i, 'buildingId'], message: `"${b.buildingId}" is not a gb2008 building code (6-digit area code, a category letter A–Z, 3 digits, e.g. 330100A088)` });
    }
  });
  if (p.framing?.head && p.framing.tail && p.framing.head.toLowerCase() === p.framing.tail.toLowerCase()) {
    ctx.addIssue({ code: 'custom', path: ['framing', 'tail'], message: 'head and tail must differ, or frames cannot be found in the stream' });
  }
  if (p.retry.maxMs < p.retry.minMs) ctx.addIssue({ code: 'custom', path: ['retry', 'maxMs'], message: 'must be at least retry.minMs' });
});
export type PlatformConfig = z.infer<typeof PlatformSchema>;

export const PlatformsSchema = z.array(PlatformSchema).max(100).default([]).superRefine((list, ctx) => {
  const ids = new Set<string>();
  list.forEach((p, i) => {
    if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate platform id "${p.id}"` });
    ids.add(p.id);
  });
});

/**
 * Each mapped building must be a registry building when a registry is loaded: a typo would
 * otherwise report nothing for the real building, silently. Returns one line per problem.
 */
export function checkPlatformBuildings(platforms: readonly PlatformConfig[], registry: { institutions: readonly { sites: readonly { id: string; buildings: readonly { id: string }[] }[] }[] }): string[] {
  const known = new Set(registry.institutions.flatMap((i) => i.sites.flatMap((s) => s.buildings.map((b) => `${s.id}/${b.id}`))));
  return platforms.flatMap((p, i) => p.buildings.flatMap((b, k) =>
    known.has(`${b.site}/${b.building}`) ? [] : [`platforms[${i}].buildings[${k}]: no building "${b.building}" in site "${b.site}" of the registry`]));
}
