import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Manifest, ManifestMeter, Replacement, Status } from '../../core/index.ts';

export interface KnownMeter extends ManifestMeter {
  site: string;
  gateway: string;
}

export interface GatewayState {
  site: string;
  gateway: string;
  status: Status | null;
  manifestTs: number | null;
  lastBatchAt: number | null;
  lastSeq: number | null;
  /** Age of the newest reading of the last batch when it arrived: how far the gateway lags. */
  lagMs: number | null;
  batches: number;
  readings: number;
}

interface Persisted {
  manifests: Manifest[];
}

/**
 * What the ingestor knows of gateways and their meters, from retained manifests and status
 * messages. Manifests are kept on disk so a restarted ingestor still knows every meter before
 * its gateways reconnect and republish.
 */
export class Directory {
  private readonly manifests = new Map<string, Manifest>();
  private readonly meters = new Map<string, KnownMeter>();
  private readonly gateways = new Map<string, GatewayState>();
  private readonly file: string;

  constructor(dataDir: string, private readonly log: Logger) {
    this.file = path.join(dataDir, 'manifests.json');
    mkdirSync(dataDir, { recursive: true });
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Persisted;
      for (const m of saved.manifests) this.apply(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err, file: this.file }, 'cannot read saved manifests; starting empty');
    }
  }

  private key(site: string, id: string): string {
    return `${site}/${id}`;
  }

  private apply(m: Manifest): void {
    const gwKey = this.key(m.site, m.gateway);
    const previous = this.manifests.get(gwKey);
    for (const meter of previous?.meters ?? []) this.meters.delete(this.key(m.site, meter.id));
    this.manifests.set(gwKey, m);
    for (const meter of m.meters) this.meters.set(this.key(m.site, meter.id), { ...meter, site: m.site, gateway: m.gateway });
    this.gateway(m.site, m.gateway).manifestTs = m.ts;
  }

  /** Applies a manifest; returns the replacements it carries that were not known before. */
  setManifest(m: Manifest): Replacement[] {
    const previous = this.manifests.get(this.key(m.site, m.gateway));
    const known = new Set((previous?.replacements ?? []).map((r) => `${r.meter}@${r.at}`));
    this.apply(m);
    this.save();
    return m.replacements.filter((r) => !known.has(`${r.meter}@${r.at}`));
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ manifests: [...this.manifests.values()] } satisfies Persisted));
    renameSync(tmp, this.file);
  }

  gateway(site: string, gateway: string): GatewayState {
    const k = this.key(site, gateway);
    let g = this.gateways.get(k);
    if (!g) {
      g = { site, gateway, status: null, manifestTs: null, lastBatchAt: null, lastSeq: null, lagMs: null, batches: 0, readings: 0 };
      this.gateways.set(k, g);
    }
    return g;
  }

  setStatus(s: Status): void {
    this.gateway(s.site, s.gateway).status = s;
  }

  meter(site: string, id: string): KnownMeter | undefined {
    return this.meters.get(this.key(site, id));
  }

  /** Finds a meter by id alone; ids are unique per site, so the first site wins when ambiguous. */
  findMeter(id: string, site?: string): KnownMeter | undefined {
    if (site) return this.meter(site, id);
    for (const m of this.meters.values()) if (m.id === id) return m;
    return undefined;
  }

  allMeters(): KnownMeter[] {
    return [...this.meters.values()];
  }

  allGateways(): GatewayState[] {
    return [...this.gateways.values()];
  }

  allManifests(): Manifest[] {
    return [...this.manifests.values()];
  }
}
