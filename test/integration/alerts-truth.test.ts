import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertRule } from '../../core/api-alerts.ts';
import { AlertsConfigSchema } from '../../ingestor/alerts/config.ts';
import { AlertService } from '../../ingestor/alerts/service.ts';
import { parseRegistryYaml } from '../../ingestor/registry/parse.ts';
import { runBackfill } from '../../simulators/backfill/index.ts';
import { faultWindows, type FaultWindow } from '../../simulators/building/fault-windows.ts';
import { parseSite, siteTime } from '../../simulators/building/schema.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

// Ground truth for the alert rules: a quarter of a small site (two identical buildings, hourly
// readings) backfilled through the ingestor with leaks, loads left on over a weekend and dead
// meters scheduled in one building only. The rules are then judged hour by hour over the quarter
// as the live service would have, and every alert is matched with the faults that can cause it.

const H = 3_600_000;
const DAY = 24 * H;
const building = (b: string, unit: number) => [
  { id: `${b}-elec`, model: 'SDM630', endpoint: 'tcp', unitId: unit, zone: 'administrative', endUse: 'total', losses: 0.02 },
  { id: `${b}-light`, model: 'SDM630', endpoint: 'tcp', unitId: unit + 1, parent: `${b}-elec`, zone: 'administrative', endUse: 'lighting_sockets', profile: 'lighting', scale: 40, initial: 1000 },
  { id: `${b}-office`, model: 'SDM630', endpoint: 'tcp', unitId: unit + 2, parent: `${b}-elec`, zone: 'administrative', endUse: 'power', profile: 'office', scale: 30, initial: 500 },
  { id: `${b}-water`, model: 'XT-WM485', endpoint: 'tcp', unitId: unit + 3, zone: 'administrative', endUse: 'total', losses: 0.02 },
  { id: `${b}-water-a`, model: 'XT-WM485', endpoint: 'tcp', unitId: unit + 4, parent: `${b}-water`, zone: 'administrative', endUse: 'total', profile: 'water', scale: 1.2, initial: 100 },
];
const SITE = parseSite({
  site: 'alerts', gateway: 'gw-1', seed: 11, origin: '2026-03-01',
  endpoints: [{ id: 'tcp', type: 'tcp', port: 0 }],
  buildings: [{ id: 'faulty', meters: building('faulty', 1) }, { id: 'clean', meters: building('clean', 11) }],
}, 'alerts site');
// Readings come hourly here, so a meter is stale after two and a half hours without one.
const REGISTRY = parseRegistryYaml(`
institutions:
  - id: bureau
    name: Alert bureau
    type: office
    sites:
      - id: alerts
        climateZone: cold
        alerts: { stale: { minutes: 150 } }
        buildings:
${['faulty', 'clean'].map((b) => `          - { id: ${b}, area: [{ from: '2020-01-01', m2: 5000 }], zones: [{ zone: administrative }], supplies: [electricity, water] }`).join('\n')}
`, 'alerts registry');

const FROM = siteTime('2026-04-01', 8);
const TO = siteTime('2026-07-01', 8);
const d = (day: number, hour = 0) => (day * 24 + hour) * 60;
// Days count from 1 April (a Wednesday); 16–17 May and 13–14 June are weekends.
const FAULTS = faultWindows([
  { meter: 'faulty-water-a', atMin: d(10), forMin: d(4), fault: { kind: 'leak', flowM3h: 0.6 } },
  { meter: 'faulty-water', atMin: d(40), forMin: d(3), fault: { kind: 'leak', flowM3h: 0.8 } },
  { meter: 'faulty-office', atMin: d(20, 8), forMin: d(0, 10), fault: { kind: 'silent' } },
  { meter: 'faulty-light', atMin: d(60), forMin: d(1, 6), fault: { kind: 'silent' } },
  { meter: 'faulty-light', atMin: d(45), forMin: d(2), fault: { kind: 'left_on' } },
  { meter: 'faulty-elec', atMin: d(73), forMin: d(2), fault: { kind: 'left_on' } },
], FROM);

const parents = new Map(SITE.buildings.flatMap((b) => b.meters).map((m) => [m.id, m.parent]));
/** Which fault kinds can explain an alert of each rule, and which rule must find each kind. */
const CAUSES: Record<AlertRule, string[]> = {
  stale: ['silent'], completeness: ['silent'], leak: ['leak'], weekend: ['left_on'], night_base: ['left_on'],
  balance: ['leak', 'silent', 'left_on'], counter: [], backlog: [], trajectory: [],
};
const MUST_FIND: Record<string, AlertRule[]> = { leak: ['leak'], silent: ['stale'], left_on: ['weekend'] };
/** What must find a fault: its kind's rule; a meter dead longer than a day also leaves a day incomplete; a leak in a parent's own pipe unbalances it. */
const mustFind = (f: FaultWindow): AlertRule[] => [
  ...MUST_FIND[f.fault.kind] ?? [],
  ...(f.fault.kind === 'silent' && f.to - f.from > DAY ? ['completeness' as const] : []),
  ...(f.fault.kind === 'leak' && [...parents.values()].includes(f.meter) ? ['balance' as const] : []),
];

const lineage = (a: string, b: string) => {
  const up = (x: string | undefined): string[] => (x ? [x, ...up(parents.get(x))] : []);
  return up(a).includes(b) || up(b).includes(a);
};
/** An alert is explained by a fault on the same line of meters that began before it and ended at most two days before. */
const explains = (f: FaultWindow, a: Alert) =>
  CAUSES[a.rule].includes(f.fault.kind) && lineage(f.meter, a.subject) && a.since >= f.from && a.since <= f.to + 2 * DAY;

describe('alert rules against injected faults (a simulated quarter)', () => {
  const tmp = tempDir('zm-alerts-truth-');
  let ing: TestIngestor;
  let alerts: Alert[] = [];

  beforeAll(async () => {
    ing = await startTestIngestor({ gateways: [['alerts', 'gw-1']], config: { alerts: { enabled: false } } });
    const done = await runBackfill({
      site: SITE, from: FROM, to: TO, stepMs: H, faults: FAULTS, batchReadings: 2000,
      ingestor: { url: ing.mqttUrl, username: 'gw-1', password: ing.passwords['gw-1']! },
    });
    expect(done.done).toBe(true);
    await ing.ingestor.usage.idle();

    const service = new AlertService(AlertsConfigSchema.parse({ enabled: false }), {
      influx: ing.ingestor.influx, directory: ing.ingestor.directory, registry: REGISTRY, totals: null,
      dataDir: tmp.dir, utcOffsetHours: 8, log: pino({ level: 'silent' }), lastSeen: 'influx',
    });
    const byId = new Map<number, Alert>();
    // Hour by hour as the live service would judge; the usage rules once a day, after the night.
    for (let t = FROM + DAY; t <= TO; t += H) {
      const usage = (t - FROM) % DAY === 6 * H;
      for (const tr of await service.evaluate(t, { usage })) byId.set(tr.alert.id, tr.alert);
    }
    await service.close();
    alerts = [...byId.values()];
  }, 240_000);

  afterAll(async () => {
    await ing?.close();
    tmp.remove();
  });

  it('finds every leak, dead meter and load left on, with no false alarm on the fault-free building', () => {
    const rules = [...new Set([...FAULTS.flatMap(mustFind), ...alerts.map((a) => a.rule)])].sort();
    const table = rules.map((rule) => {
      const expected = FAULTS.filter((f) => mustFind(f).includes(rule));
      const found = expected.filter((f) => alerts.some((a) => a.rule === rule && explains(f, a)));
      const mine = alerts.filter((a) => a.rule === rule);
      const falseAlarms = mine.filter((a) => !FAULTS.some((f) => explains(f, a)));
      return {
        rule, alerts: mine.length, faults: expected.length, found: found.length, missed: expected.length - found.length,
        false_alarms: falseAlarms.length, false_on_clean: falseAlarms.filter((a) => a.building === 'clean').length,
        missed_list: expected.filter((f) => !found.includes(f)).map((f) => `${f.meter} ${f.fault.kind} ${new Date(f.from).toISOString()}`),
        false_list: falseAlarms.map((a) => `${a.subject} ${new Date(a.since).toISOString()} ${a.detail}`),
      };
    });
    console.log('alert rules against injected faults, 2026-04-01 → 2026-07-01 (UTC+8), hourly readings, 2 × 5 meters\n'
      + 'rule          alerts  faults  found  missed  false alarms (clean building)\n'
      + table.map((r) => `${r.rule.padEnd(14)}${String(r.alerts).padStart(6)}${String(r.faults).padStart(8)}${String(r.found).padStart(7)}${String(r.missed).padStart(8)}${String(r.false_alarms).padStart(8)} (${r.false_on_clean})`).join('\n'));
    for (const r of table) {
      expect(r.missed_list, `${r.rule} missed`).toEqual([]);
      expect(r.false_list.filter((x) => x.startsWith('clean')), `${r.rule} false alarms on the clean building`).toEqual([]);
    }
    // Every injected leak and dead meter is found.
    for (const f of FAULTS.filter((x) => x.fault.kind === 'leak' || x.fault.kind === 'silent')) {
      expect(alerts.some((a) => explains(f, a) && MUST_FIND[f.fault.kind]!.includes(a.rule)), `${f.meter} ${f.fault.kind}`).toBe(true);
    }
    expect(alerts.filter((a) => a.building === 'clean')).toEqual([]);
  });
});
