import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../../core/index.ts';
import type { KnownMeter } from '../../../../ingestor/ingest/directory.ts';
import type { StoredReading } from '../../../../ingestor/ingest/pipeline.ts';
import { LiveHub, type LiveReading } from '../../../../ingestor/live/hub.ts';

const meter = (id: string): KnownMeter => ({
  id, site: 's1', gateway: 'gw', building: 'b1', kind: 'electricity', zone: 'administrative', end_use: 'lighting_sockets', model: 'SDM630', role: 'sub', multiplier: 1,
});
const m1 = meter('m1');
const m2 = meter('m2');
const at = (m: KnownMeter, ts: number, kw = ts): StoredReading => ({ meter: m, reading: { meter: m.id, ts, values: { power_kw: kw } } as Reading });

// A batch out of time order, and a replay older than what is live.
const batches: StoredReading[][] = [
  [at(m1, 2000), at(m2, 1000), at(m1, 1000), at(m1, 3000), at(m2, 500)],
  [at(m1, 2500), at(m2, 1500, 7)],
];

describe('LiveHub', () => {
  it('keeps each meter\'s newest reading, whether anyone streams or not', () => {
    const quiet = new LiveHub();
    const watched = new LiveHub();
    watched.subscribe(() => undefined);
    for (const b of batches) {
      quiet.publish(b);
      watched.publish(b);
    }
    for (const hub of [quiet, watched]) {
      expect(hub.latest('s1', 'm1')?.ts).toBe(3000);
      expect(hub.latest('s1', 'm2')).toMatchObject({ ts: 1500, values: { power_kw: 7 }, zone: 'administrative' });
      expect(hub.all('s1')).toHaveLength(2);
    }
  });

  it('streams every reading newer than its meter\'s last, in batch order, and nothing older', () => {
    const hub = new LiveHub();
    const got: LiveReading[][] = [];
    hub.subscribe((r) => got.push(r));
    for (const b of batches) hub.publish(b);
    expect(got.map((b) => b.map((r) => `${r.meter}@${r.ts}`))).toEqual([['m1@2000', 'm2@1000', 'm1@3000'], ['m2@1500']]);
  });
});
