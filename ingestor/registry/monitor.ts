import type { Logger } from 'pino';
import { checkManifests, type ManifestConflict, type ManifestLike, type RefusedClaimLike } from './manifests.ts';
import type { Registry } from './schema.ts';

/**
 * Checks gateways' manifests against the registry on demand and logs each conflict once, when it
 * first appears, so a wrong manifest shows in the log without repeating on every request.
 */
export class ConflictMonitor {
  private readonly logged = new Set<string>();

  constructor(
    private readonly registry: Registry,
    private readonly manifests: () => readonly ManifestLike[],
    private readonly log: Logger,
    private readonly refused: () => readonly RefusedClaimLike[] = () => [],
  ) {}

  check(): ManifestConflict[] {
    const found = checkManifests(this.registry, this.manifests(), this.refused());
    for (const c of found) {
      const key = `${c.code}|${c.site}|${c.gateway}|${c.meter ?? ''}|${c.message}`;
      if (this.logged.has(key)) continue;
      this.logged.add(key);
      this.log.warn({ conflict: c }, `manifest conflicts with the registry: ${c.message}`);
    }
    return found;
  }
}
