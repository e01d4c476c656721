import { describe, expect, it } from 'vitest';
import { getPath, mapPayload, parseTimestamp, topicMatches } from '../../../../gateway/drivers/mqtt-fields.ts';

// Captured from a Tasmota 13 plug (tele/<topic>/SENSOR).
const tasmota = {
  Time: '2024-03-05T10:15:00',
  ENERGY: { TotalStartTime: '2023-01-01T00:00:00', Total: 123.456, Yesterday: 1.2, Today: 0.5, Power: 45, ApparentPower: 50, ReactivePower: 20, Factor: 0.9, Voltage: 229, Current: 0.2 },
};
// Shelly Plus (gen2) switch status, shellies/<id>/status/switch:0.
const shelly = {
  id: 0, source: 'timer', output: true, apower: 1234.5, voltage: 231.4, current: 5.36,
  aenergy: { total: 98765.4, by_minute: [20.6, 20.6, 20.5], minute_ts: 1709633700 }, temperature: { tC: 41.2 },
};

describe('MQTT field mapping', () => {
  it('maps Tasmota ENERGY.Total (kWh) and ENERGY.Power (W)', () => {
    const { values, ts } = mapPayload({
      topic: 'tele/plug/SENSOR',
      fields: { energy_import_kwh: 'ENERGY.Total', power_kw: { path: 'ENERGY.Power', scale: 0.001 }, voltage_l1_v: 'ENERGY.Voltage' },
      timePath: 'Time',
    }, tasmota, 5);
    expect(values).toEqual({ energy_import_kwh: 123.456, power_kw: 0.045, voltage_l1_v: 229 });
    expect(ts).toBe(new Date(2024, 2, 5, 10, 15, 0).getTime());
  });

  it('maps a Shelly gen2 payload in Wh with an epoch-seconds timestamp', () => {
    const { values, ts } = mapPayload({
      topic: 'shellies/+/status/switch:0',
      fields: { energy_import_kwh: { path: 'aenergy.total', scale: 0.001 }, power_kw: { path: 'apower', scale: 0.001 }, current_l1_a: 'current' },
      timePath: 'aenergy.minute_ts',
    }, shelly, 5);
    expect(values.energy_import_kwh).toBeCloseTo(98.7654, 6);
    expect(values.power_kw).toBeCloseTo(1.2345, 6);
    expect(values.current_l1_a).toBe(5.36);
    expect(ts).toBe(1709633700_000);
  });

  it('uses the receive time without a timePath or with an unreadable timestamp', () => {
    expect(mapPayload({ topic: 't', fields: { volume_m3: 'v' } }, { v: 1 }, 42).ts).toBe(42);
    expect(mapPayload({ topic: 't', fields: { volume_m3: 'v' }, timePath: 'when' }, { v: 1, when: 'soon' }, 42).ts).toBe(42);
  });

  it('leaves out missing fields and turns non-numbers into NaN', () => {
    const { values } = mapPayload({ topic: 't', fields: { volume_m3: 'a.b', flow_m3h: 'c', supply_temp_c: 'd' } }, { c: 'x', d: '12.5' }, 1);
    expect(Object.keys(values).sort()).toEqual(['flow_m3h', 'supply_temp_c']);
    expect(values.flow_m3h).toBeNaN();
    expect(values.supply_temp_c).toBe(12.5);
  });

  it('reads array indices in both spellings', () => {
    expect(getPath(shelly, 'aenergy.by_minute.1')).toBe(20.6);
    expect(getPath({ emeters: [{ total: 1 }, { total: 2 }] }, 'emeters[1].total')).toBe(2);
  });

  it('parses timestamps in seconds, milliseconds and ISO 8601', () => {
    expect(parseTimestamp(1709633700)).toBe(1709633700_000);
    expect(parseTimestamp(1709633700123)).toBe(1709633700123);
    expect(parseTimestamp('1709633700')).toBe(1709633700_000);
    expect(parseTimestamp('2024-03-05T10:15:00Z')).toBe(Date.UTC(2024, 2, 5, 10, 15));
    expect(parseTimestamp(null)).toBeNull();
  });

  it('matches MQTT wildcards', () => {
    expect(topicMatches('shellies/+/status/switch:0', 'shellies/abc/status/switch:0')).toBe(true);
    expect(topicMatches('tele/#', 'tele/plug/SENSOR')).toBe(true);
    expect(topicMatches('tele/plug/SENSOR', 'tele/plug/STATE')).toBe(false);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
  });
});
