import type { z } from 'zod';
import { ID_PATTERN } from './ids.ts';
import { formatIssues } from './issues.ts';
import { AckSchema, BatchSchema, LimitsSchema, ManifestSchema, StatusSchema } from './schemas.ts';

export const TOPIC_ROOT = 'zm/v1';

// One typed map from topic type to payload schema, shared by gateway, ingestor and tests.
export const TOPIC_SCHEMAS = {
  batch: BatchSchema,
  ack: AckSchema,
  manifest: ManifestSchema,
  status: StatusSchema,
  limits: LimitsSchema,
} as const;
export type TopicType = keyof typeof TOPIC_SCHEMAS;
export type TopicPayload<T extends TopicType> = z.infer<(typeof TOPIC_SCHEMAS)[T]>;
export const TOPIC_TYPES = Object.keys(TOPIC_SCHEMAS) as TopicType[];

export interface TopicAddress {
  site: string;
  gateway: string;
  type: TopicType;
}

export function topic(site: string, gateway: string, type: TopicType): string {
  if (!ID_PATTERN.test(site)) throw new TypeError(`invalid site id "${site}"`);
  if (!ID_PATTERN.test(gateway)) throw new TypeError(`invalid gateway id "${gateway}"`);
  return `${TOPIC_ROOT}/${site}/${gateway}/${type}`;
}

export const topics = {
  batch: (site: string, gateway: string) => topic(site, gateway, 'batch'),
  ack: (site: string, gateway: string) => topic(site, gateway, 'ack'),
  manifest: (site: string, gateway: string) => topic(site, gateway, 'manifest'),
  status: (site: string, gateway: string) => topic(site, gateway, 'status'),
  limits: (site: string, gateway: string) => topic(site, gateway, 'limits'),
};

/** One topic type of every site and gateway: what the ingestor subscribes to. */
export function topicFilter(type: TopicType): string {
  return `${TOPIC_ROOT}/+/+/${type}`;
}

/** Parses `zm/v1/{site}/{gateway}/{type}`; null for anything else. */
export function parseTopic(name: string): TopicAddress | null {
  const parts = name.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , site, gateway, type] = parts as [string, string, string, string, string];
  if (!ID_PATTERN.test(site) || !ID_PATTERN.test(gateway)) return null;
  if (!(TOPIC_TYPES as string[]).includes(type)) return null;
  return { site, gateway, type: type as TopicType };
}

export type PayloadResult<T extends TopicType> =
  | { ok: true; value: TopicPayload<T> }
  | { ok: false; error: string };

/** Parses a payload for a topic type: JSON first, then the schema. Never throws. */
export function parsePayload<T extends TopicType>(type: T, payload: Buffer | string): PayloadResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `payload is not JSON: ${(err as Error).message}` };
  }
  const result = TOPIC_SCHEMAS[type].safeParse(json);
  if (!result.success) return { ok: false, error: formatIssues(result.error.issues) };
  return { ok: true, value: result.data as TopicPayload<T> };
}

