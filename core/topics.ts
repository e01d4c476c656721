import type { z } from 'zod';
import { formatIssues } from './issues.ts';
import { AckSchema, BatchSchema, LimitsSchema, ManifestSchema, StatusSchema } from './schemas.ts';
import type { TopicType } from './wire.ts';

export { TOPIC_ROOT, TOPIC_TYPES, parseTopic, topic, topicFilter, topics, type TopicAddress, type TopicType } from './wire.ts';

// One typed map from topic type to payload schema, shared by gateway, ingestor and tests.
export const TOPIC_SCHEMAS = {
  batch: BatchSchema,
  ack: AckSchema,
  manifest: ManifestSchema,
  status: StatusSchema,
  limits: LimitsSchema,
} as const satisfies Record<TopicType, z.ZodType>;
export type TopicPayload<T extends TopicType> = z.infer<(typeof TOPIC_SCHEMAS)[T]>;

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

