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
  if (addr.type === 'ack' || addr.type === 'limits') return `gateways may not publish ${addr.type}`;
  return null;
}

/** A gateway may subscribe only to its own ack and limits topics (no wildcards). */
export function maySubscribe(who: GatewayIdentity, filter: string): string | null {
  const addr = parseTopic(filter);
  if (!addr || (addr.type !== 'ack' && addr.type !== 'limits') || addr.site !== who.site || addr.gateway !== who.gateway) {
    return `gateway ${who.site}/${who.gateway} may subscribe only to zm/v1/${who.site}/${who.gateway}/ack and …/limits`;
  }
  return null;
}

/**
 * MQTT lets a new connection with a client id take over the session of the one holding it
 * (MQTT 3.1.1 §3.1.4). Bound to the user name, only a gateway itself can replace its own session,
 * so no gateway can knock another offline.
 */
export function clientIdAllowed(gateway: string, clientId: string): boolean {
  return clientId === gateway || clientId.startsWith(`${gateway}-`);
}
