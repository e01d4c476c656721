// The wire's constants and names without the schemas, so a process that only sends (the gateway)
// can use them without loading zod (core/schemas.ts, core/topics.ts hold the schemas).

export const WIRE_VERSION = 1;

// Ids end up in MQTT topic levels and InfluxDB tags: no '/', '+', '#', spaces or commas.
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const TOPIC_ROOT = 'zm/v1';

export const TOPIC_TYPES = ['batch', 'ack', 'manifest', 'status', 'limits'] as const;
export type TopicType = (typeof TOPIC_TYPES)[number];

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
  if (!(TOPIC_TYPES as readonly string[]).includes(type)) return null;
  return { site, gateway, type: type as TopicType };
}
