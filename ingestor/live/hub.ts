import type { LiveReading } from '../../core/api.ts';
import type { StoredReading } from '../ingest/pipeline.ts';

export type { LiveReading };

type Listener = (readings: LiveReading[]) => void;

/** The newest stored reading of every meter, and a fan-out to live subscribers (SSE). */
export class LiveHub {
  private readonly last = new Map<string, LiveReading>();
  private readonly listeners = new Set<Listener>();
  /** Live streams closed because their reader fell behind by more than the buffer bound. */
  droppedSlow = 0;

  publish(stored: StoredReading[]): void {
    if (this.listeners.size === 0) {
      // Nobody streams: only each meter's newest reading of the batch can become its latest.
      const newest = new Map<StoredReading['meter'], StoredReading['reading']>();
      for (const { reading, meter } of stored) {
        const n = newest.get(meter);
        if (!n || n.ts < reading.ts) newest.set(meter, reading);
      }
      for (const [meter, reading] of newest) this.take(meter, reading);
      return;
    }
    const fresh: LiveReading[] = [];
    for (const { reading, meter } of stored) {
      const live = this.take(meter, reading);
      if (live) fresh.push(live);
    }
    if (fresh.length) for (const l of this.listeners) l(fresh);
  }

  /** Makes the reading its meter's latest unless a newer one is: returns it as streamed, or null. */
  private take(meter: StoredReading['meter'], reading: StoredReading['reading']): LiveReading | null {
    const key = `${meter.site}/${meter.id}`;
    const prev = this.last.get(key);
    // Replayed backlog is older than what is live: it must not move "now" backwards.
    if (prev && prev.ts >= reading.ts) return null;
    const live: LiveReading = { ...reading, site: meter.site, building: meter.building, kind: meter.kind, zone: meter.zone, end_use: meter.end_use };
    this.last.set(key, live);
    return live;
  }

  latest(site: string, meter: string): LiveReading | undefined {
    return this.last.get(`${site}/${meter}`);
  }

  all(site?: string): LiveReading[] {
    return [...this.last.values()].filter((r) => !site || r.site === site);
  }

  subscribers(): number {
    return this.listeners.size;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
