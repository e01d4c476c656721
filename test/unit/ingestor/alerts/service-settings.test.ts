import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertsConfigSchema } from '../../../../ingestor/alerts/config.ts';
import { AlertService } from '../../../../ingestor/alerts/service.ts';
import { Directory } from '../../../../ingestor/ingest/directory.ts';
import { parseRegistryYaml } from '../../../../ingestor/registry/parse.ts';
import { InfluxClient } from '../../../../ingestor/store/influx.ts';
import { tempDir } from '../../../support/harness.ts';

// Which setting applies to a meter: defaults, then the registry's, site's, building's, zone's
// and meter's, each only where it says something.
const REGISTRY = parseRegistryYaml(`
alerts: { stale: { minutes: 20 }, leak: { hours: 3 } }
institutions:
  - id: i
    name: I
    type: office
    sites:
      - id: s
        climateZone: cold
        alerts: { stale: { minutes: 30, clearMin: 2 } }
        buildings:
          - id: b
            area: [{ from: '2020-01-01', m2: 100 }]
            zones: [{ zone: administrative }, { zone: business }]
            supplies: [electricity, water]
            alerts:
              stale: { minutes: 40 }
              zones: { business: { stale: { minutes: 50 } } }
              meters: { m1: { stale: { minutes: 60 }, leak: { enabled: false } } }
          - id: c
            area: [{ from: '2020-01-01', m2: 100 }]
            zones: [{ zone: administrative }]
            supplies: [electricity]
      - id: t
        climateZone: cold
        buildings:
          - { id: d, area: [{ from: '2020-01-01', m2: 100 }], zones: [{ zone: other }], supplies: [electricity] }
`, 'registry');

describe('alert settings of a meter', () => {
  const tmp = tempDir('zm-alert-settings-');
  const log = pino({ level: 'silent' });
  const service = new AlertService(AlertsConfigSchema.parse({}), {
    influx: new InfluxClient({ url: 'http://127.0.0.1:9', database: 'none', maxPointsPerWrite: 1, flushMs: 0 }),
    directory: new Directory(tmp.dir, log), registry: REGISTRY, totals: null, dataDir: tmp.dir, utcOffsetHours: 8, log,
  });
  afterAll(async () => {
    await service.close();
    tmp.remove();
  });

  it('takes the most specific scope that sets each setting', () => {
    const of = (site: string, building: string, zone: string, meter: string) => service.rulesFor(site, building, zone, meter);
    expect(of('s', 'b', 'business', 'm1').stale).toMatchObject({ minutes: 60, clearMin: 2 });
    expect(of('s', 'b', 'business', 'm2').stale.minutes).toBe(50);
    expect(of('s', 'b', 'administrative', 'm3').stale.minutes).toBe(40);
    expect(of('s', 'c', 'administrative', 'm4').stale.minutes).toBe(30);
    expect(of('t', 'd', 'other', 'm5').stale).toMatchObject({ minutes: 20, clearMin: 0 });
    expect(of('s', 'b', 'business', 'm1').leak).toMatchObject({ enabled: false, hours: 3, share: 0.4 });
    expect(of('unknown', 'x', 'other', 'y').stale.minutes).toBe(20);
    // A site as a whole (backlog, trajectory): the site's settings over the registry's.
    expect(of('s', '', '', '').stale.minutes).toBe(30);
  });
});
