import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ZmError, type Manifest, type ManifestMeter, type Replacement, type Status } from '../../core/index.ts';

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
  /** Manifests as their gateways published them, refused meters included (re-applied after a re-home). */
  manifests: Manifest[];
  /** site/meter → the gateway that owns it. */
  owners?: Record<string, string>;
}

/** A gateway's claim on a meter that another gateway owns: refused, kept for the API and alerts. */
export interface RefusedClaim {
  site: string;
  meter: string;
  /** The gateway whose manifest claimed the meter. */
  gateway: string;
  owner: string;
  at: number;
}

export interface ManifestOutcome {
  /** Replacements carried by the manifest that were not known before (owned meters only). */
  fresh: Replacement[];
  /** Meters of the manifest refused because another gateway owns them. */
  refused: RefusedClaim[];
}

/**
 * What the ingestor knows of gateways and their meters, from retained manifests and status
 * messages. Manifests are kept on disk so a restarted ingestor still knows every meter before
 * its gateways reconnect and republish.
 *
 * A meter belongs to one gateway: the one the ingestor config pins it to, else the first whose
 * manifest declared it. Another gateway's manifest cannot take it over, change its metadata, or
 * drop it; that gateway's readings for it are refused. Moving a meter is an explicit re-home
 * (rehome(), behind the API token). Ownership survives the owner dropping the meter from its
 * manifest, so a meter taken off one gateway cannot be picked up by whoever claims it next.
 */
export class Directory {
  private readonly received = new Map<string, Manifest>();
  private readonly manifests = new Map<string, Manifest>();
  private readonly meters = new Map<string, KnownMeter>();
  private readonly gateways = new Map<string, GatewayState>();
  private readonly owners = new Map<string, string>();
  private readonly pinned = new Map<string, string>();
  private readonly refused = new Map<string, RefusedClaim>();
  private readonly file: string;

  /** `pinned`: site/meter → gateway, from the ingestor config; these owners cannot be re-homed by API. */
  constructor(dataDir: string, private readonly log: Logger, pinned: ReadonlyMap<string, string> = new Map(), private readonly now: () => number = Date.now) {
    this.file = path.join(dataDir, 'manifests.json');
    makeDataDir(dataDir);
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Persisted;
      for (const [k, g] of Object.entries(saved.owners ?? {})) this.owners.set(k, g);
      // Files written before ownership existed: the order they list manifests in decides, as it did.
      for (const m of saved.manifests) this.received.set(this.key(m.site, m.gateway), m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err, file: this.file }, 'cannot read saved manifests; starting empty');
    }
    for (const [k, g] of pinned) {
      this.pinned.set(k, g);
      this.owners.set(k, g);
    }
    for (const m of this.received.values()) this.apply(m);
  }

  private key(site: string, id: string): string {
    return `${site}/${id}`;
  }

  /** Owner of a meter, binding it to `gateway` when nobody owns it yet. */
  private claim(site: string, meter: string, gateway: string): string {
    const k = this.key(site, meter);
    let owner = this.owners.get(k);
    if (owner === undefined) {
      owner = gateway;
      this.owners.set(k, owner);
    }
    return owner;
  }

  /** Applies a received manifest: only the meters its gateway owns take effect. */
  private apply(m: Manifest): RefusedClaim[] {
    const gwKey = this.key(m.site, m.gateway);
    const previous = this.manifests.get(gwKey);
    for (const meter of previous?.meters ?? []) {
      const k = this.key(m.site, meter.id);
      if (this.meters.get(k)?.gateway === m.gateway) this.meters.delete(k);
    }
    for (const [k, r] of this.refused) if (r.site === m.site && r.gateway === m.gateway) this.refused.delete(k);
    const refused: RefusedClaim[] = [];
    const owned = m.meters.filter((meter) => {
      const owner = this.claim(m.site, meter.id, m.gateway);
      if (owner === m.gateway) return true;
      const claim = { site: m.site, meter: meter.id, gateway: m.gateway, owner, at: this.now() };
      refused.push(claim);
      this.refused.set(`${m.site}/${m.gateway}/${meter.id}`, claim);
      return false;
    });
    const ownedIds = new Set(owned.map((x) => x.id));
    const applied: Manifest = { ...m, meters: owned, replacements: m.replacements.filter((r) => ownedIds.has(r.meter)) };
    this.manifests.set(gwKey, applied);
    for (const meter of owned) this.meters.set(this.key(m.site, meter.id), { ...meter, site: m.site, gateway: m.gateway });
    this.gateway(m.site, m.gateway).manifestTs = m.ts;
    return refused;
  }

  /** Applies a manifest; returns the new replacements it carries and the meters refused to it. */
  setManifest(m: Manifest): ManifestOutcome {
    const previous = this.manifests.get(this.key(m.site, m.gateway));
    const known = new Set((previous?.replacements ?? []).map((r) => `${r.meter}@${r.at}`));
    this.received.set(this.key(m.site, m.gateway), m);
    const refused = this.apply(m);
    this.save();
    for (const r of refused) {
      this.log.warn({ site: r.site, meter: r.meter, gateway: r.gateway, owner: r.owner }, 'manifest claims a meter another gateway owns; refused');
    }
    const applied = this.manifests.get(this.key(m.site, m.gateway))!;
    return { fresh: applied.replacements.filter((r) => !known.has(`${r.meter}@${r.at}`)), refused };
  }

  /**
   * Moves a meter to another gateway: the explicit act that ownership otherwise forbids. The new
   * owner's last manifest is applied again, so a meter it already lists takes effect at once.
   */
  rehome(site: string, meter: string, gateway: string): { previous: string | null; pinned: boolean } {
    const k = this.key(site, meter);
    if (this.pinned.has(k) && this.pinned.get(k) !== gateway) return { previous: this.pinned.get(k)!, pinned: true };
    const previous = this.owners.get(k) ?? null;
    this.owners.set(k, gateway);
    if (previous && previous !== gateway) {
      const old = this.received.get(this.key(site, previous));
      if (old) this.apply(old);
      else this.meters.delete(k);
    }
    const next = this.received.get(this.key(site, gateway));
    if (next) this.apply(next);
    else if (this.meters.get(k)?.gateway !== gateway) this.meters.delete(k);
    this.save();
    this.log.warn({ site, meter, gateway, previous }, 'meter re-homed');
    return { previous, pinned: false };
  }

  owner(site: string, meter: string): string | undefined {
    return this.owners.get(this.key(site, meter));
  }

  /** Claims refused since each gateway's last manifest. */
  refusedClaims(): RefusedClaim[] {
    return [...this.refused.values()];
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ manifests: [...this.received.values()], owners: Object.fromEntries(this.owners) } satisfies Persisted));
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

  /** Manifests as applied: each gateway's owned meters only. */
  allManifests(): Manifest[] {
    return [...this.manifests.values()];
  }
}

/**
 * Creates the data folder one level at a time, as a config error naming `dataDir` when it cannot
 * be. Node 20's recursive mkdirSync never returns for a path under /proc, and this is the first
 * part of the ingestor to touch the folder.
 */
export function makeDataDir(dir: string): void {
  const make = (d: string, depth: number): void => {
    try {
      mkdirSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      const parent = path.dirname(d);
      if (code !== 'ENOENT' || parent === d || depth > 64) throw err;
      make(parent, depth + 1);
      mkdirSync(d);
    }
  };
  try {
    make(path.resolve(dir), 0);
  } catch (err) {
    throw new ZmError('ERR_CONFIG_INVALID', `dataDir: ${dir} cannot be created (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  if (!statSync(dir).isDirectory()) throw new ZmError('ERR_CONFIG_INVALID', `dataDir: ${dir} is a file, not a folder`);
}
