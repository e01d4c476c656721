import { afterEach, describe, expect, it } from 'vitest';
import { formatPath } from '../../../../core/index.ts';
import { GatewayConfigSchema, type GatewayConfig } from '../../../../gateway/config.ts';
import { checkCatalogue, checkModel, genericModel, kindFits, type CheckedModel } from '../../../../gateway/models/check.ts';
import { DLT645_ITEMS, REGISTER_WIDTH, findModel, type Cjt188Model, type Dlt645Model, type MbusModel, type MeterModel, type RegisterDef } from '../../../../gateway/models/index.ts';
import { checkGatewayConfig } from '../../../../gateway/poll/config-checks.ts';

// One case per rule of gateway/models/check.ts: a model sound in every other respect, broken in
// one place, must yield that rule's finding at that path. Removing a rule fails its case.

const modbus = (over: Partial<MeterModel> = {}): MeterModel => ({
  name: 'Test-1', vendor: 'Test', kind: 'electricity', datasheet: 'Test meter manual rev. 1, register map',
  provenance: { status: 'datasheet' },
  registers: [
    { measurement: 'voltage_l1_v', fc: 4, address: 0, type: 'float32', order: 'ABCD', scale: 1 },
    { measurement: 'energy_import_kwh', fc: 4, address: 2, type: 'uint32', order: 'CDAB', scale: 0.01 },
    { measurement: 'power_kw', fc: 3, address: 0, type: 'int16', order: 'ABCD', scale: 0.1 },
  ],
  identify: [{ fc: 4, address: 0, type: 'float32', order: 'ABCD', min: 180, max: 260, what: 'voltage L1' }],
  ...over,
});
/** The base Modbus model with registers[j] changed. */
const reg = (j: number, patch: Partial<RegisterDef> | Record<string, unknown>): MeterModel => {
  const m = modbus();
  return { ...m, registers: m.registers.map((r, k) => (k === j ? { ...r, ...patch } as RegisterDef : r)) };
};

const dlt = (over: Partial<Dlt645Model> = {}): Dlt645Model => ({
  protocol: 'dlt645', name: 'Test-645', vendor: 'Test', kind: 'electricity', datasheet: 'DL/T 645-2007 Appendix A',
  provenance: { status: 'captured', source: 'frames captured from a test meter, test/fixtures' },
  items: [DLT645_ITEMS.forwardActive, DLT645_ITEMS.voltageA],
  ...over,
});
const cjt = (over: Partial<Cjt188Model> = {}): Cjt188Model => ({
  protocol: 'cjt188', name: 'Test-188', vendor: 'Test', kind: 'heat', datasheet: 'CJ/T 188-2004 heat layout',
  provenance: { status: 'datasheet' }, meterType: 0x20, diOrder: '901F',
  fields: { current_heat: 'heat_energy_kwh', cumulative_volume: 'volume_m3' },
  ...over,
});
const mbus = (over: Partial<MbusModel> = {}): MbusModel => ({
  protocol: 'mbus', name: 'Test-MBus', vendor: 'Test', kind: 'water', datasheet: 'EN 13757-3:2013 Table 10',
  provenance: { status: 'datasheet' }, manufacturer: 'TST', version: 1, medium: 0x07,
  items: [{ measurement: 'volume_m3', quantity: 'volume' }],
  telegrams: [[{ dif: 0x04, vif: 0x13, value: 'volume_m3' }, { dif: 0x04, vif: 0x6d, value: 'datetime' }]],
  ...over,
});

const lines = (m: CheckedModel) => checkModel(m).map((f) => `${formatPath(f.path)}: ${f.message}`);

describe('model checker', () => {
  it('finds nothing wrong with a sound model of each protocol', () => {
    for (const m of [modbus(), dlt(), cjt(), mbus()]) expect(lines(m), m.name).toEqual([]);
  });

  const cases: [rule: string, model: () => CheckedModel, finding: RegExp][] = [
    // Every protocol
    ['a model has a name', () => modbus({ name: ' ' }), /^name: no name$/],
    ['a model names its vendor', () => dlt({ vendor: '' }), /^vendor: no vendor$/],
    ['a model names its datasheet', () => cjt({ datasheet: 'manual' }), /^datasheet: no datasheet named$/],
    ['provenance is captured or datasheet', () => mbus({ provenance: { status: 'guessed' } as unknown as MbusModel['provenance'] }), /^provenance\.status: unknown provenance "guessed"$/],
    ['a captured model says what was captured', () => modbus({ provenance: { status: 'captured', source: 'yes' } }), /^provenance\.source: captured without naming/],
    // Modbus register tables (built-in, and generic meters of the config)
    ['a table has registers', () => modbus({ registers: [] }), /^registers: no registers$/],
    ['a measurement is in the closed table', () => reg(0, { measurement: 'litres' }), /^registers\[0\]\.measurement: unknown measurement "litres"$/],
    ['a measurement fits the meter kind', () => reg(0, { measurement: 'volume_m3' }), /^registers\[0\]\.measurement: volume_m3 is a water measurement on a electricity meter$/],
    ['a register type is known', () => reg(2, { type: 'int8' }), /^registers\[2\]\.type: unknown register type "int8"$/],
    ['the function code is 3 or 4', () => reg(2, { fc: 6 }), /^registers\[2\]\.fc: function code must be 3 or 4$/],
    ['the byte order is known', () => reg(1, { order: 'ACBD' }), /^registers\[1\]\.order: unknown byte order "ACBD"$/],
    ['the scale is finite and not 0', () => reg(1, { scale: 0 }), /^registers\[1\]\.scale: scale must be finite and not 0$/],
    ['the offset is finite', () => reg(1, { offset: Number.NaN }), /^registers\[1\]\.offset: offset must be finite$/],
    ['a register of zeros decodes to a number', () => reg(1, { offset: Infinity }), /^registers\[1\]\.type: 2 register\(s\) of zeros do not decode: not a number$/],
    ['the address is 0–65535', () => reg(2, { address: 70000 }), /^registers\[2\]\.address: address must be 0–65535$/],
    ['a register does not run past 65535', () => reg(1, { address: 65535 }), /^registers\[1\]\.address: a uint32 at 65535 runs past register 65535$/],
    ['a measurement is read once', () => reg(2, { measurement: 'voltage_l1_v' }), /^registers\[2\]\.measurement: voltage_l1_v is already read by registers\[0\]$/],
    ['registers of one function code do not overlap', () => reg(1, { address: 1 }), /^registers\[1\]\.address: overlaps registers\[0\] \(voltage_l1_v at 0, FC 4\)$/],
    ['limits.maxRegisters is 1–125', () => modbus({ limits: { maxRegisters: 126 } }), /^limits\.maxRegisters: maxRegisters must be 1–125/],
    ['limits.maxGap is 0–124', () => modbus({ limits: { maxGap: 125 } }), /^limits\.maxGap: maxGap must be 0–124$/],
    ['a boundary is inside the address space', () => modbus({ limits: { boundaries: [70000] } }), /^limits\.boundaries\[0\]: boundary 70000 is outside the address space$/],
    ['the widest register fits one request', () => modbus({ limits: { maxRegisters: 1 } }), /^limits\.maxRegisters: a register 2 words wide does not fit one request of 1$/],
    ['an identify range is not empty', () => modbus({ identify: [{ fc: 4, address: 0, type: 'float32', order: 'ABCD', min: 260, max: 180, what: 'voltage L1' }] }), /^identify\[0\]: identify voltage L1: empty range 260–180$/],
    ['an identify read uses FC 3 or 4', () => modbus({ identify: [{ fc: 1 as 3, address: 0, type: 'float32', order: 'ABCD', min: 0, max: 1, what: 'v' }] }), /^identify\[0\]\.fc: identify v: function code must be 3 or 4$/],
    // DL/T 645-2007
    ['a DL/T 645 model has items', () => dlt({ items: [] }), /^items: no items$/],
    ['a DL/T 645 measurement fits an electricity meter', () => dlt({ items: [{ ...DLT645_ITEMS.forwardActive, measurement: 'volume_m3' }] }), /^items\[0\]\.measurement: volume_m3 is a water measurement/],
    ['a DL/T 645 identifier fits 4 bytes', () => dlt({ items: [{ ...DLT645_ITEMS.forwardActive, di: 0x1_0000_0000 }] }), /^items\[0\]\.di: identifier must fit 4 bytes$/],
    ['a DL/T 645 scale is finite and not 0', () => dlt({ items: [{ ...DLT645_ITEMS.forwardActive, scale: 0 }] }), /^items\[0\]\.scale: scale must be finite and not 0$/],
    ['a DL/T 645 identifier is read once', () => dlt({ items: [DLT645_ITEMS.forwardActive, { ...DLT645_ITEMS.voltageA, di: DLT645_ITEMS.forwardActive.di }] }), /^items\[1\]\.di: identifier 00010000 is already read by items\[0\]$/],
    ['a DL/T 645 measurement is read once', () => dlt({ items: [DLT645_ITEMS.forwardActive, { ...DLT645_ITEMS.voltageA, measurement: 'energy_import_kwh' }] }), /^items\[1\]\.measurement: energy_import_kwh is already read by items\[0\]$/],
    ['a DL/T 645 format is one the decoder takes', () => dlt({ items: [{ ...DLT645_ITEMS.forwardActive, format: 'XXX.XX' }] }), /^items\[0\]\.format: DL\/T 645 format "XXX\.XX"/],
    ['a DL/T 645 item decodes zeros to 0', () => dlt({ items: [{ ...DLT645_ITEMS.forwardActive, scale: Infinity }] }), /^items\[0\]\.format: 4 byte\(s\) of zeros do not decode to 0: not 0$/],
    // CJ/T 188
    ['a CJ/T 188 meter type is of the model kind', () => cjt({ meterType: 0x10 }), /^meterType: meter type 10H is not a heat meter type/],
    ['a CJ/T 188 DI order is 901F or 1F90', () => cjt({ diOrder: '9F10' as '901F' }), /^diOrder: unknown DI order "9F10"$/],
    ['a CJ/T 188 model maps fields', () => cjt({ fields: {} }), /^fields: no fields$/],
    ['a CJ/T 188 field is one of its layout', () => cjt({ kind: 'water', meterType: 0x10, fields: { current_volume: 'volume_m3', flow: 'flow_m3h' } }), /^fields\.flow: flow is not a field of the water layout$/],
    ['a CJ/T 188 field maps to a measurement', () => cjt({ fields: { current_heat: 'heat_energy_kwh', flow: undefined } }), /^fields\.flow: no measurement$/],
    ['a CJ/T 188 measurement fits the model kind', () => cjt({ fields: { current_heat: 'energy_import_kwh' } }), /^fields\.current_heat: energy_import_kwh is a electricity measurement on a heat meter$/],
    ['a CJ/T 188 measurement is mapped once', () => cjt({ fields: { current_heat: 'heat_energy_kwh', settlement_heat: 'heat_energy_kwh' } }), /^fields\.settlement_heat: heat_energy_kwh is already mapped from current_heat$/],
    // M-Bus
    ['an M-Bus model has items', () => mbus({ items: [], telegrams: [] }), /^items: no items$/],
    ['an M-Bus measurement fits the model kind', () => mbus({ items: [{ measurement: 'volume_m3', quantity: 'volume' }, { measurement: 'power_kw', quantity: 'power' }] }), /^items\[1\]\.measurement: power_kw is a electricity measurement on a water meter$/],
    ['an M-Bus manufacturer is a FLAG id', () => mbus({ manufacturer: 'Tst' }), /^manufacturer: manufacturer "Tst" is not a three-letter FLAG id/],
    ['an M-Bus telegram sends only what an item reads', () => mbus({ telegrams: [[{ dif: 0x04, vif: 0x3b, value: 'flow_m3h' }]] }), /^telegrams\[0\]\[0\]\.value: sends flow_m3h, which no item reads$/],
  ];
  for (const [rule, model, finding] of cases) {
    it(rule, () => expect(lines(model())).toEqual(expect.arrayContaining([expect.stringMatching(finding)])));
  }

  describe('a register takes exactly its width from the decoder', () => {
    const width = REGISTER_WIDTH.float32;
    afterEach(() => {
      (REGISTER_WIDTH as Record<string, number>).float32 = width;
    });
    it('a width table that disagrees with the decoder is found', () => {
      // What the rule guards: a float32 declared one word wide leaves the decoder two bytes short.
      (REGISTER_WIDTH as Record<string, number>).float32 = 1;
      expect(lines(modbus())).toEqual(expect.arrayContaining([expect.stringMatching(/^registers\[0\]\.type: 1 register\(s\) of zeros do not decode: /)]));
    });
  });

  it('the catalogue: names unique across protocols, case-insensitive', () => {
    expect(checkCatalogue([modbus(), dlt({ name: 'TEST-1' })]).map((f) => `${formatPath(f.path)}: ${f.message}`))
      .toEqual(['[1].name: TEST-1: the name of models[0] too']);
  });

  it('the catalogue: "generic" is left to config-defined meters', () => {
    expect(checkCatalogue([modbus({ name: 'Generic' })]).map((f) => f.message)).toEqual(['"generic" is reserved for meters defined in the config']);
  });

  it('kinds: heat and cooling meters take water volume, water meters temperatures, nothing takes electricity', () => {
    expect(kindFits('volume_m3', 'heat')).toBe(true);
    expect(kindFits('cooling_energy_kwh', 'heat')).toBe(true);
    expect(kindFits('supply_temp_c', 'water')).toBe(true);
    expect(kindFits('flow_m3h', 'gas')).toBe(true);
    expect(kindFits('volume_m3', 'gas')).toBe(false);
    expect(kindFits('volume_m3', 'other')).toBe(false);
    expect(kindFits('power_kw', 'heat')).toBe(false);
    expect(kindFits('heat_energy_kwh', 'electricity')).toBe(false);
  });

  it('genericModel refuses a table the checker finds wrong, naming every finding', () => {
    expect(() => genericModel([
      { measurement: 'volume_m3', fc: 3, address: 0, type: 'uint32' },
      { measurement: 'flow_m3h', fc: 3, address: 1, type: 'uint16' },
    ], 'water')).toThrow('registers[1].address: overlaps registers[0] (volume_m3 at 0, FC 3)');
  });
});

describe('config meters go through the same checker', () => {
  const config = (meters: Record<string, unknown>[], buses: Record<string, unknown>[] = [{ id: 'tcp-1', type: 'tcp', host: '127.0.0.1' }]): GatewayConfig =>
    GatewayConfigSchema.parse({ site: 's', gateway: 'g', building: 'b', buses, meters });
  const found = (cfg: GatewayConfig) => checkGatewayConfig(cfg).filter((f) => f.level === 'error').map((f) => `${f.path}: ${f.message}`);
  const generic = (registers: Record<string, unknown>[], kind = 'water') =>
    ({ id: 'g1', bus: 'tcp-1', unitId: 1, model: 'generic', kind, zone: 'business', endUse: 'total', registers });

  it('a generic table: each finding at its config path', () => {
    expect(found(config([generic([
      { measurement: 'volume_m3', fc: 3, address: 0, type: 'uint32' },
      { measurement: 'flow_m3h', fc: 3, address: 1, type: 'uint16' },
      { measurement: 'volume_m3', fc: 4, address: 65535, type: 'uint32' },
      { measurement: 'power_kw', fc: 4, address: 10, type: 'uint16' },
    ])]))).toEqual([
      'meters[0].registers[1].address: overlaps registers[0] (volume_m3 at 0, FC 3)',
      'meters[0].registers[2].address: a uint32 at 65535 runs past register 65535',
      'meters[0].registers[2].measurement: volume_m3 is already read by registers[0]',
      'meters[0].registers[3].measurement: power_kw is a electricity measurement on a water meter',
    ]);
  });

  it('a built-in model: the meter kind against the model kind, whatever the protocol', () => {
    expect(found(config([{ id: 'm1', bus: 'tcp-1', unitId: 1, model: 'SDM630', kind: 'water', zone: 'business', endUse: 'total' }])))
      .toEqual(['meters[0].kind: model SDM630 meters electricity, not water']);
    expect(found(config(
      [{ id: 'w1', bus: 'line', protocol: 'cjt188', address: '12345678901234', model: 'CJT188-Water', kind: 'heat', zone: 'business', endUse: 'total' }],
      [{ id: 'line', type: 'rtu', path: '/dev/null' }],
    ))).toEqual(['meters[0].kind: model CJT188-Water meters water, not heat']);
  });

  it('a built-in model goes through the same checker: a broken vendor file is named at meters[i].model', () => {
    // A built-in table is fixed data; break one for this test only to show its findings reach the config.
    const sdm120 = findModel('SDM120')!;
    const registers = sdm120.registers as RegisterDef[];
    registers.push({ ...registers[0]!, measurement: 'frequency_hz' });
    try {
      expect(found(config([{ id: 'm1', bus: 'tcp-1', unitId: 1, model: 'SDM120', zone: 'business', endUse: 'total' }])))
        .toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^meters\\[0\\]\\.model: model SDM120: registers\\[${registers.length - 1}\\]\\.address: overlaps registers\\[0\\]`))]));
    } finally {
      registers.pop();
    }
  });

  it('an MQTT meter: its field map', () => {
    expect(found(config(
      [{ id: 'q1', bus: 'mq', model: 'json', kind: 'water', zone: 'business', endUse: 'total', mqtt: { topic: 't', fields: { volume_m3: 'v', power_kw: 'p' } } }],
      [{ id: 'mq', type: 'mqtt', url: 'mqtt://127.0.0.1' }],
    ))).toEqual(['meters[0].mqtt.fields.power_kw: power_kw is a electricity measurement on a water meter']);
  });
});
