import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../core/index.ts';
import { connectCounterGateway, counterReadings, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

// The plan trajectory rule on real rollups: January and February of the plan's base year and of
// this year, through the ingestor, the year-to-date site report and the rule.
const REGISTRY = `
plans:
  - { id: local, name: Local plan, baseYear: 2025, targetYear: 2030, targets: { kgce_per_m2: 0.10 } }
institutions:
  - id: bureau
    name: Test bureau
    type: office
    sites:
      - id: town
        climateZone: cold
        plans: [local]
        buildings:
          - { id: hall, area: [{ from: '2020-01-01', m2: 4000 }], zones: [{ zone: administrative }], supplies: [electricity] }
`;
const DAY = 86_400_000;
const days = (from: string, to: string) => {
  const out: number[] = [];
  for (let t = Date.parse(`${from}T00:00:00+08:00`); t <= Date.parse(`${to}T00:00:00+08:00`); t += DAY) out.push(t);
  return out;
};

describe('the plan trajectory rule', () => {
  const tmp = tempDir('zm-trajectory-');
  let ing: TestIngestor;
  let gw: CounterGateway;

  beforeAll(async () => {
    writeFileSync(path.join(tmp.dir, 'registry.yaml'), REGISTRY);
    ing = await startTestIngestor({ gateways: [['town', 'gw-1']], config: { registry: path.join(tmp.dir, 'registry.yaml'), alerts: { enabled: false } } });
    gw = await connectCounterGateway(ing.mqttUrl, 'town', 'gw-1', ing.passwords['gw-1']!);
    const meter: Manifest['meters'][number] = { id: 'hall-main', building: 'hall', kind: 'electricity', model: 'generic', zone: 'administrative', end_use: 'total', role: 'main', multiplier: 1 };
    await gw.manifest([meter]);
    // 1,000 kWh a day in the base year, 990 this year: 1% down where the path to −10% by 2030 wants about 2.1% by 2026.
    const base = counterReadings(days('2025-01-01', '2025-03-01'), [{ meter: 'hall-main', measurement: 'energy_import_kwh', start: 10_000, usage: () => 1000 }]);
    const now = counterReadings(days('2026-01-01', '2026-03-01'), [{ meter: 'hall-main', measurement: 'energy_import_kwh', start: 500_000, usage: () => 990 }]);
    for (const batch of [base, now]) expect((await gw.send(batch)).status).toBe('ok');
    await ing.ingestor.usage.idle();
  });

  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    tmp.remove();
  });

  it('fires when the year-to-date decline falls short of the even path to the target', async () => {
    const t = await ing.ingestor.alerts.evaluate(Date.parse('2026-03-15T12:00:00+08:00'), { usage: true });
    const trajectory = t.filter((x) => x.alert.rule === 'trajectory');
    expect(trajectory.map((x) => [x.event, x.alert.subject, x.alert.subject_kind])).toEqual([['firing', 'local/kgce_per_m2', 'site']]);
    const a = trajectory[0]!.alert;
    expect(a.value).toBeCloseTo(0.01, 4);
    expect(a.threshold).toBeCloseTo(1 - 0.9 ** (1 / 5), 4);
    expect(a.detail).toContain('through month 2');
  });
});
