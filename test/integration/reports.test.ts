import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/index.ts';
import { connectCounterGateway, counterReadings, localMonthStarts, type CounterGateway } from '../support/counter-gateway.ts';
import { startTestIngestor, tempDir, type TestIngestor } from '../support/harness.ts';

// Monthly counter readings for 2020 and 2024 through MQTT, then the annual and monthly CSV reports.
const REGISTRY = `
institutions:
  - id: agency
    name: Agency
    type: office
    sites:
      - id: hq
        climateZone: cold
        buildings:
          - id: tower
            area: [{ from: '2019-01-01', m2: 5000 }]
            headcount: [{ year: 2020, persons: 200 }, { year: 2024, persons: 210 }]
            zones: [{ zone: administrative }]
            supplies: [electricity, water]
`;
// Usage in month m: electricity k·m kWh, water j·m m³.
const RATE = { 2020: { kwh: 1100, m3: 12 }, 2024: { kwh: 1000, m3: 10 } } as const;
const yearTotal = (per: number) => per * 78; // Σ m for m = 1..12

const readings = (y: 2020 | 2024): Reading[] => counterReadings(localMonthStarts(y), [
  { meter: `e-${y}`, measurement: 'energy_import_kwh', start: 5000, usage: (i) => RATE[y].kwh * (i + 1) },
  { meter: `w-${y}`, measurement: 'volume_m3', start: 300, usage: (i) => RATE[y].m3 * (i + 1) },
]);

/** RFC 4180 rows of a CSV body, after its BOM and `#` comment lines. */
function parseCsv(body: string): { comments: string[]; rows: string[][] } {
  const lines = body.split('\r\n').filter((l) => l.length);
  const comments = lines.filter((l) => l.startsWith('# '));
  const rows = lines.filter((l) => !l.startsWith('# ')).map((line) => {
    const out: string[] = [];
    const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) && m[0] !== '') {
      out.push(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
      if (m[2] === '') break;
    }
    return out;
  });
  return { comments, rows };
}

describe('annual and monthly reports', () => {
  const tmp = tempDir('zm-reports-');
  let ing: TestIngestor;
  let gw: CounterGateway;

  beforeAll(async () => {
    const file = path.join(tmp.dir, 'registry.yaml');
    writeFileSync(file, REGISTRY);
    // Read by hand once a month: steps of a month are measurements here, not estimates.
    ing = await startTestIngestor({ gateways: [['hq', 'gw-1']], config: { registry: file, usage: { estimateAfterHours: 24 * 32 } } });
    gw = await connectCounterGateway(ing.mqttUrl, 'hq', 'gw-1', ing.passwords['gw-1']!);
    const meter = (id: string, kind: 'electricity' | 'water') => ({ id, building: 'tower', kind, model: 'generic', zone: 'administrative' as const, end_use: 'total' as const, role: 'main' as const, multiplier: 1 });
    await gw.manifest([meter('e-2020', 'electricity'), meter('w-2020', 'water'), meter('e-2024', 'electricity'), meter('w-2024', 'water')]);
    for (const y of [2020, 2024] as const) expect((await gw.send(readings(y))).status).toBe('ok');
    await ing.ingestor.usage.idle();
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await ing?.close();
    tmp.remove();
  });

  it('writes the annual table as CSV with BOM, units, factor vintages and progress against 2020', async () => {
    const res = await fetch(`${ing.url}/api/v1/sites/hq/reports/annual?year=2024&format=csv`);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const { comments, rows } = parseCsv(new TextDecoder().decode(bytes.slice(3)));
    expect(comments.join('\n')).toContain('gbt2589-2020-electricity = 0.1229 kgce/kWh');
    expect(comments.join('\n')).toContain('grid-2023-national = 0.5306 kgCO2/kWh');
    const [header, ...body] = rows;
    expect(header).toEqual(['范围/scope', '建筑/building', '指标/key', '名称/name_zh', 'name_en', '单位/unit', '本期/value', '基准年/base_year', '基准值/base_value', '下降率/decline', '目标/target', '完成率/achieved', '数据完整度/completeness', '空值原因/null_reason']);
    const row = (scope: string, key: string) => body.find((r) => r[0] === scope && r[2] === key)!;
    expect(row('building', 'electricity_quantity')[5]).toBe('kWh');
    expect(Number(row('building', 'electricity_quantity')[6])).toBeCloseTo(yearTotal(1000), 6);
    expect(row('building', 'water_quantity')[5]).toBe('m³');
    const now = (yearTotal(1000) * 0.1229) / 5000;
    const base = (yearTotal(1100) * 0.1229) / 5000;
    const perM2 = row('site', 'kgce_per_m2');
    expect(perM2.slice(3, 6)).toEqual(['单位建筑面积能耗', 'Energy per floor area', 'kgce/m²']);
    expect(Number(perM2[6])).toBeCloseTo(now, 9);
    expect(perM2[7]).toBe('2020');
    expect(Number(perM2[8])).toBeCloseTo(base, 9);
    expect(Number(perM2[9])).toBeCloseTo((base - now) / base, 9);
    expect(Number(perM2[10])).toBe(0.05);
    expect(Number(perM2[11])).toBeCloseTo((base - now) / base / 0.05, 9);
    const water = row('site', 'water_m3_per_capita');
    expect(water[5]).toBe('m³/person');
    expect(Number(water[6])).toBeCloseTo(yearTotal(10) / 210, 9);
  });

  it('gives the same figures as JSON', async () => {
    const body = (await (await fetch(`${ing.url}/api/v1/sites/hq/reports/annual?year=2024`)).json()) as { rows: { scope: string; key: string; value: number; unit: string }[]; vintages: { id: string }[] };
    expect(body.rows.find((r) => r.scope === 'site' && r.key === 'co2_kg')).toMatchObject({ value: expect.closeTo(yearTotal(1000) * 0.5306, 6), unit: 'kgCO2' });
    expect(body.vintages.map((v) => v.id)).toContain('grid-2023-national');
  });

  it('writes the monthly table per month, building and kind', async () => {
    const res = await fetch(`${ing.url}/api/v1/sites/hq/reports/monthly?year=2024&format=csv`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const { comments, rows } = parseCsv(new TextDecoder().decode(bytes.slice(3)));
    expect(comments.some((c) => c.includes('gbt2589-2020-electricity'))).toBe(true);
    const [header, ...body] = rows;
    expect(header).toEqual(['月份/month', '建筑/building', '能源种类/kind', '用量/quantity', '单位/unit', '综合能耗/energy (kgce)', '碳排放/CO2 (kgCO2)', '数据完整度/completeness', '完整/complete']);
    expect(body).toHaveLength(24);
    for (let m = 1; m <= 12; m++) {
      const month = `2024-${String(m).padStart(2, '0')}`;
      const e = body.find((r) => r[0] === month && r[2] === 'electricity')!;
      expect(e[1]).toBe('tower');
      expect(Number(e[3])).toBeCloseTo(1000 * m, 6);
      expect(e[4]).toBe('kWh');
      expect(Number(e[5])).toBeCloseTo(1000 * m * 0.1229, 6);
      const w = body.find((r) => r[0] === month && r[2] === 'water')!;
      expect(Number(w[3])).toBeCloseTo(10 * m, 6);
      expect([w[4], w[5]]).toEqual(['m³', '']);
    }
  });

  it('refuses a report without a year', async () => {
    const res = await fetch(`${ing.url}/api/v1/sites/hq/reports/annual?format=csv`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_BAD_REQUEST');
  });
});
