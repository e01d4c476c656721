import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../core/index.ts';
import { GatewayConfigSchema } from '../../gateway/config.ts';
import { createPoller } from '../../gateway/poll/index.ts';
import { CounterWalk } from '../../simulators/building/counters.ts';
import { gatewayConfigFor } from '../../simulators/building/gateway-config.ts';
import { startBuilding } from '../../simulators/building/index.ts';
import { BuildingModel } from '../../simulators/building/model.ts';
import { loadSite, parseSite } from '../../simulators/building/schema.ts';
import { waitFor } from '../support/harness.ts';

const DEMO = path.join(import.meta.dirname, '../../simulators/building/examples/demo-site.yaml');

describe('the demo site: district heat over M-Bus', () => {
  it('serves the main tower\'s heat meters on an M-Bus line with the site\'s counters; the gateway reads them by primary and secondary address', async () => {
    const site = loadSite(DEMO);
    const at = Date.parse('2026-01-12T10:00:00+08:00');
    const building = await startBuilding(site, { clock: { start: at, frozen: true }, faults: [] });
    const config = GatewayConfigSchema.parse(gatewayConfigFor(site, { endpoints: building.endpoints, intervalMs: 300 }));
    const ids = ['main-heat', 'main-heat-admin', 'main-heat-business'];
    const slim = { ...config, buses: config.buses.filter((b) => b.id === 'mbus-main'), meters: config.meters.filter((m) => ids.includes(m.id)) };
    expect(slim.meters.map((m) => [m.id, m.protocol, m.model, m.address, m.secondary])).toEqual([
      ['main-heat', 'mbus', 'Supercal-531-MBus', '1', undefined],
      ['main-heat-admin', 'mbus', 'CF-Echo-II-MBus', '2', undefined],
      ['main-heat-business', 'mbus', 'CF-Echo-II-MBus', undefined, '60112233'],
    ]);
    expect(slim.buses[0]).toMatchObject({ type: 'rtu-over-tcp' });
    const readings: Reading[] = [];
    const poller = createPoller(slim, { log: pino({ level: 'silent' }), onReading: (r) => readings.push(r) });
    try {
      await poller.start();
      const last = (id: string) => readings.filter((r) => r.meter === id).at(-1);
      await waitFor(() => (ids.every((id) => last(id)) ? true : undefined), { what: 'a reading from the three heat meters' });
      // The truth the indicators are reconciled with: the same model and counter walk.
      const model = new BuildingModel(site);
      const walk = new CounterWalk(model);
      walk.advanceTo(at);
      const truth = (id: string) => walk.values(model.meter(id)).heat_energy_kwh!;
      // CF Echo II counts whole kWh; the Supercal 531 whole MJ (0.28 kWh).
      expect(last('main-heat-admin')!.values.heat_energy_kwh).toBe(Math.floor(truth('main-heat-admin')));
      expect(last('main-heat-business')!.values.heat_energy_kwh).toBe(Math.floor(truth('main-heat-business')));
      expect(Math.abs(last('main-heat')!.values.heat_energy_kwh! - truth('main-heat'))).toBeLessThan(1 / 3.6);
      for (const id of ids) {
        expect(last(id)!.values, id).toMatchObject({ supply_temp_c: 75, return_temp_c: 50 });
        // Decoded to 1 Wh: the simulator's own figure is unrounded.
        expect(building.status().find((s) => s.id === id)!.values.heat_energy_kwh).toBeCloseTo(last(id)!.values.heat_energy_kwh!, 3);
      }
      // A silent M-Bus meter stops answering.
      await building.fault('main-heat-admin', { kind: 'silent' });
      const n = readings.filter((r) => r.meter === 'main-heat-admin').length;
      await new Promise((r) => setTimeout(r, 1500));
      expect(readings.filter((r) => r.meter === 'main-heat-admin').length).toBeLessThanOrEqual(n + 1);
    } finally {
      await poller.stop();
      await building.close();
    }
  }, 40_000);

  it('refuses an M-Bus meter with a bad or missing address, naming the field', () => {
    const problems = (meter: Record<string, unknown>): string => {
      try {
        parseSite({
          site: 's', endpoints: [{ id: 'l', type: 'rtu-over-tcp', protocol: 'mbus' }],
          buildings: [{ id: 'b', meters: [{ id: 'm', model: 'MBus-Heat', endpoint: 'l', zone: 'business', endUse: 'total', profile: 'heating', scale: 1, ...meter }] }],
        }, 'test');
        return '';
      } catch (err) {
        return ((err as { details?: string[] }).details ?? []).join('\n');
      }
    };
    expect(problems({})).toMatch(/an M-Bus meter needs its primary address/);
    expect(problems({ address: 251 })).toMatch(/address: an M-Bus primary address is 1–250, got "251"/);
    expect(problems({ secondary: '123' })).toMatch(/secondary: an M-Bus secondary address is 8 digits/);
    expect(problems({ address: 3, model: 'CJT188-Water' })).toMatch(/unknown M-Bus model "CJT188-Water"/);
    expect(problems({ address: 3 })).toBe('');
  });
});
