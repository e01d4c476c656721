import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../core/index.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { createPoller } from '../../gateway/poll/index.ts';
import { startBuilding } from '../../simulators/building/index.ts';
import { gatewayConfigFor } from '../../simulators/building/gateway-config.ts';
import { loadSite, parseSite } from '../../simulators/building/schema.ts';
import { CounterWalk } from '../../simulators/building/counters.ts';
import { BuildingModel } from '../../simulators/building/model.ts';
import { waitFor } from '../support/harness.ts';

const DEMO = path.join(import.meta.dirname, '../../simulators/building/examples/demo-site.yaml');

describe('the demo site: a DL/T 645 line and a CJ/T 188 water meter', () => {
  it('serves them in their own protocols with the counters of the site model, and the gateway config reads them', async () => {
    const site = loadSite(DEMO);
    const eps = site.endpoints.filter((e) => e.type === 'rtu-over-tcp' && (e.protocol === 'dlt645' || e.protocol === 'cjt188'));
    expect(eps.map((e) => (e as { protocol: string }).protocol).sort()).toEqual(['cjt188', 'dlt645']);
    const at = Date.parse('2026-03-02T10:00:00+08:00');
    const building = await startBuilding(site, { clock: { start: at, frozen: true }, faults: [] });
    const config = GatewayConfigSchema.parse(gatewayConfigFor(site, { endpoints: building.endpoints, intervalMs: 200 }));
    // Only the two serial-protocol lines: the Modbus part of the site is tested elsewhere.
    const ids = ['annex-light', 'annex-water-offices'];
    const slim = { ...config, buses: config.buses.filter((b) => eps.some((e) => e.id === b.id)), meters: config.meters.filter((m) => ids.includes(m.id)).map((m) => ({ ...m, parent: undefined })) };
    expect(slim.meters.map((m) => [m.id, m.protocol, m.address])).toEqual([
      ['annex-light', 'dlt645', '000000000161'], ['annex-water-offices', 'cjt188', '00202307160177'],
    ]);
    const readings: Reading[] = [];
    const poller = createPoller(slim, { log: pino({ level: 'silent' }), onReading: (r) => readings.push(r) });
    try {
      await poller.start();
      const last = (id: string) => readings.filter((r) => r.meter === id).at(-1);
      await waitFor(() => (ids.every((id) => last(id)) ? true : undefined), { what: 'a reading from both meters' });
      // The truth the indicators are reconciled with comes from the same model and counter walk.
      const walk = new CounterWalk(new BuildingModel(site));
      walk.advanceTo(at);
      const model = new BuildingModel(site);
      const truth = (id: string) => walk.values(model.meter(id));
      // BCD with two decimals: the meters round to 0.01.
      expect(last('annex-light')!.values.energy_import_kwh).toBeCloseTo(truth('annex-light').energy_import_kwh!, 2);
      expect(last('annex-water-offices')!.values.volume_m3).toBeCloseTo(truth('annex-water-offices').volume_m3!, 2);
      expect(last('annex-light')!.values.energy_import_kwh).toBeGreaterThan(40210);
      const status = building.status().find((s) => s.id === 'annex-light')!;
      expect(status.values.energy_import_kwh).toBe(last('annex-light')!.values.energy_import_kwh);

      // A silent meter goes quiet in its own protocol too.
      await building.fault('annex-water-offices', { kind: 'silent' });
      const n = readings.filter((r) => r.meter === 'annex-water-offices').length;
      await new Promise((r) => setTimeout(r, 1500));
      expect(readings.filter((r) => r.meter === 'annex-water-offices').length).toBeLessThanOrEqual(n + 1);
    } finally {
      await poller.stop();
      await building.close();
    }
  }, 40_000);

  it('refuses a serial-protocol meter without its address, or with a unit id', () => {
    const base = {
      site: 's', endpoints: [{ id: 'l', type: 'rtu-over-tcp', protocol: 'dlt645' }],
      buildings: [{ id: 'b', meters: [{ id: 'm', model: 'DLT645-1P', endpoint: 'l', zone: 'business', endUse: 'total', profile: 'base', scale: 1 }] }],
    };
    const problems = (raw: unknown) => {
      try {
        parseSite(raw, 't');
      } catch (err) {
        return ((err as { details?: string[] }).details ?? []).join('\n');
      }
      return '';
    };
    expect(problems(base)).toMatch(/buildings\[0\]\.meters\[0\]\.address: a dlt645 meter needs its 12-digit address/);
    const withUnit = structuredClone(base) as { buildings: { meters: Record<string, unknown>[] }[] };
    withUnit.buildings[0]!.meters[0]!.unitId = 3;
    withUnit.buildings[0]!.meters[0]!.address = '000000000001';
    expect(problems(withUnit)).toMatch(/meters\[0\]\.unitId: a dlt645 meter is addressed by "address", not a unit id/);
  });
});
