import { describe, expect, it } from 'vitest';
import { pointIdentity } from '../../../../ingestor/store/writer.ts';

// The write queue de-duplicates by what InfluxDB keys a point on: series (measurement and tags)
// and timestamp. Fields do not count: a resent reading with the same key overwrites itself.
describe('pointIdentity', () => {
  it('is the series key and the timestamp, whatever the fields', () => {
    expect(pointIdentity('reading,site=a,meter=m1 energy_import_kwh=1.5,power_kw=2 1700000000000'))
      .toBe('reading,site=a,meter=m1 1700000000000');
    expect(pointIdentity('reading,site=a,meter=m1 energy_import_kwh=1.6 1700000000000'))
      .toBe(pointIdentity('reading,site=a,meter=m1 energy_import_kwh=1.5,power_kw=2 1700000000000'));
  });

  it('keeps escaped spaces and commas inside tags as part of the series', () => {
    const a = pointIdentity('reading,site=a,meter=main\\ hall,building=x\\,y energy_import_kwh=1 1');
    expect(a).toBe('reading,site=a,meter=main\\ hall,building=x\\,y 1');
    expect(a).not.toBe(pointIdentity('reading,site=a,meter=main energy_import_kwh=1 1'));
  });

  it('tells apart the same series at another time and another series at the same time', () => {
    const base = 'reading,site=a,meter=m1 v=1 1000';
    expect(pointIdentity(base)).not.toBe(pointIdentity('reading,site=a,meter=m1 v=1 1001'));
    expect(pointIdentity(base)).not.toBe(pointIdentity('reading,site=a,meter=m2 v=1 1000'));
  });
});
