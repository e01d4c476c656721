import { parseTopic } from '../../core/index.ts';

export interface GatewayIdentity {
  site: string;
  gateway: string;
}

/** A gateway may publish only its own batch, manifest and status. */
export function mayPublish(who: GatewayIdentity, topic: string): string | null {
  const addr = parseTopic(topic);
  if (!addr) return `topic "${topic}" is outside the zonemeter topic map`;
  if (addr.site !== who.site || addr.gateway !== who.gateway) return `gateway ${who.site}/${who.gateway} may not publish for ${addr.site}/${addr.gateway}`;
  if (addr.type === 'ack') return 'gateways may not publish acks';
  return null;
}

/** A gateway may subscribe only to its own ack topic (no wildcards). */
export function maySubscribe(who: GatewayIdentity, filter: string): string | null {
  const addr = parseTopic(filter);
  if (!addr || addr.type !== 'ack' || addr.site !== who.site || addr.gateway !== who.gateway) {
    return `gateway ${who.site}/${who.gateway} may subscribe only to zm/v1/${who.site}/${who.gateway}/ack`;
  }
  return null;
}
