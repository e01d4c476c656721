import type { MeasurementKey } from '../../core/index.ts';
import type { Provenance } from './types.ts';

/**
 * Wired M-Bus (EN 13757-3) meter models. An M-Bus telegram describes itself: every record says
 * what it measures (VIF), in which unit, for which storage number (0 = now, 1… = stored values),
 * tariff and subunit. A model therefore lists which record feeds which measurement, and names the
 * frame it was checked against. `telegrams` is the record layout of the captured frame (DIF, DIFEs,
 * VIF), which the simulator answers with; more than one telegram means a multi-telegram readout.
 */
export type MbusQuantity =
  | 'energy' | 'volume' | 'volume_flow' | 'power' | 'flow_temperature' | 'return_temperature' | 'temperature_difference';

export interface MbusItem {
  readonly measurement: MeasurementKey;
  readonly quantity: MbusQuantity;
  /** EN 13757-3 6.3.3; default 0 (the current value). */
  readonly storage?: number;
  readonly tariff?: number;
  readonly subunit?: number;
  /** Default: instantaneous. A value "during error state" is never taken. */
  readonly function?: 'instantaneous' | 'maximum' | 'minimum';
  /** Combinable VIFEs the record must carry (e.g. 3BH: forward energy only); default none. */
  readonly vife?: readonly number[];
}

/** One record of a simulated telegram: DIF (+DIFEs), VIF, and what fills it. */
export interface MbusLayoutRecord {
  readonly dif: number;
  readonly dife?: readonly number[];
  readonly vif: number;
  readonly value: MeasurementKey | 'fabrication_number' | 'datetime';
}

export interface MbusModel {
  readonly protocol: 'mbus';
  readonly name: string;
  readonly vendor: string;
  readonly kind: 'heat' | 'water';
  readonly datasheet: string;
  readonly provenance: Provenance;
  /** Header identity a meter of this model sends (EN 13757-3 6.5): FLAG id, version, medium. */
  readonly manufacturer: string;
  readonly version: number;
  readonly medium: number;
  readonly items: readonly MbusItem[];
  readonly telegrams: readonly (readonly MbusLayoutRecord[])[];
}

// The records every heat meter of EN 1434 carries: the current energy, volume, flow, power and
// both temperatures. Energy counted in forward direction only (VIFE 3BH) is heat too: heat/cooling
// meters (Sensus PolluStat) send it that way.
const HEAT_ITEMS: readonly MbusItem[] = [
  { measurement: 'heat_energy_kwh', quantity: 'energy' },
  { measurement: 'heat_energy_kwh', quantity: 'energy', vife: [0x3b] },
  { measurement: 'volume_m3', quantity: 'volume' },
  { measurement: 'flow_m3h', quantity: 'volume_flow' },
  { measurement: 'heat_power_kw', quantity: 'power' },
  { measurement: 'supply_temp_c', quantity: 'flow_temperature' },
  { measurement: 'return_temp_c', quantity: 'return_temperature' },
  { measurement: 'temp_diff_k', quantity: 'temperature_difference' },
];

const WATER_ITEMS: readonly MbusItem[] = [
  { measurement: 'volume_m3', quantity: 'volume' },
  { measurement: 'flow_m3h', quantity: 'volume_flow' },
];

const LIBMBUS = (frame: string, xml = frame) =>
  `libmbus test frame test/test-frames/${frame}.hex with libmbus's decoding ${xml}.xml (test/fixtures/mbus; test/unit/gateway/protocols/mbus/models.test.ts)`;

/** Itron (Actaris) CF Echo II: the M-Bus version of the heat meter the Modbus card model CF-Echo-II reads. */
export const CF_ECHO_II_MBUS: MbusModel = {
  protocol: 'mbus', name: 'CF-Echo-II-MBus', vendor: 'Itron', kind: 'heat',
  datasheet: 'Itron CF Echo II M-Bus telegram as captured in libmbus test frame itron_cf_echo_2 (ACW, version 09H, medium 04H)',
  provenance: { status: 'captured', source: LIBMBUS('itron_cf_echo_2') },
  manufacturer: 'ACW', version: 0x09, medium: 0x04,
  items: HEAT_ITEMS,
  // 0C 78 fabrication no.; 04 06 energy kWh; 0C 14 volume 10 l BCD; 0B 2D power 100 W (the capture
  // sends it as "value during error state", 3B 2D, while the meter had no flow); 0B 3B flow l/h;
  // 0A 5A / 0A 5E flow and return 0.1 °C BCD; 0B 61 difference 0.01 K BCD; 04 6D date and time.
  telegrams: [[
    { dif: 0x0c, vif: 0x78, value: 'fabrication_number' },
    { dif: 0x04, vif: 0x06, value: 'heat_energy_kwh' },
    { dif: 0x0c, vif: 0x14, value: 'volume_m3' },
    { dif: 0x0b, vif: 0x2d, value: 'heat_power_kw' },
    { dif: 0x0b, vif: 0x3b, value: 'flow_m3h' },
    { dif: 0x0a, vif: 0x5a, value: 'supply_temp_c' },
    { dif: 0x0a, vif: 0x5e, value: 'return_temp_c' },
    { dif: 0x0b, vif: 0x61, value: 'temp_diff_k' },
    { dif: 0x04, vif: 0x6d, value: 'datetime' },
  ]],
};

/** Sontex Supercal 531: the M-Bus version of the calculator the Modbus card model Supercal-531 reads. */
export const SUPERCAL531_MBUS: MbusModel = {
  protocol: 'mbus', name: 'Supercal-531-MBus', vendor: 'Sontex', kind: 'heat',
  datasheet: 'Sontex Supercal 531 M-Bus telegram 1 as captured in libmbus test frame sontex_supercal_531_telegram1 (SON, version 0DH, medium 04H)',
  provenance: { status: 'captured', source: LIBMBUS('sontex_supercal_531_telegram1') },
  manufacturer: 'SON', version: 0x0d, medium: 0x04,
  items: HEAT_ITEMS,
  // Telegram 1 as captured: energy MJ, volume 10 l, flow/return temperature, flow and power as
  // float32, then storage 1 (last set day) energy and volume, and the volumes of pulse inputs 1
  // and 2 (subunits 1, 2); it ends with DIF 1FH, more records follow. Telegram 2 is not in the
  // capture: the simulator sends fabrication number and date/time there, so the master's
  // multi-telegram readout is exercised.
  telegrams: [[
    { dif: 0x04, vif: 0x0e, value: 'heat_energy_kwh' },
    { dif: 0x04, vif: 0x14, value: 'volume_m3' },
    { dif: 0x05, vif: 0x5b, value: 'supply_temp_c' },
    { dif: 0x05, vif: 0x5f, value: 'return_temp_c' },
    { dif: 0x05, vif: 0x3e, value: 'flow_m3h' },
    { dif: 0x05, vif: 0x2b, value: 'heat_power_kw' },
    { dif: 0xc4, dife: [0x00], vif: 0x0e, value: 'heat_energy_kwh' },
    { dif: 0xc4, dife: [0x00], vif: 0x14, value: 'volume_m3' },
  ], [
    { dif: 0x0c, vif: 0x78, value: 'fabrication_number' },
    { dif: 0x04, vif: 0x6d, value: 'datetime' },
  ]],
};

/** Kamstrup Multical 601. */
export const MULTICAL601_MBUS: MbusModel = {
  protocol: 'mbus', name: 'Multical-601-MBus', vendor: 'Kamstrup', kind: 'heat',
  datasheet: 'Kamstrup Multical 601 M-Bus telegram as captured in libmbus test frame kamstrup_multical_601 (KAM, version 08H, medium 04H)',
  provenance: { status: 'captured', source: LIBMBUS('kamstrup_multical_601') },
  manufacturer: 'KAM', version: 0x08, medium: 0x04,
  items: HEAT_ITEMS,
  telegrams: [[
    { dif: 0x0c, vif: 0x78, value: 'fabrication_number' },
    { dif: 0x04, vif: 0x06, value: 'heat_energy_kwh' },
    { dif: 0x04, vif: 0x14, value: 'volume_m3' },
    { dif: 0x04, vif: 0x59, value: 'supply_temp_c' },
    { dif: 0x04, vif: 0x5d, value: 'return_temp_c' },
    { dif: 0x04, vif: 0x61, value: 'temp_diff_k' },
    { dif: 0x04, vif: 0x2d, value: 'heat_power_kw' },
    { dif: 0x04, vif: 0x3b, value: 'flow_m3h' },
    { dif: 0x04, vif: 0x6d, value: 'datetime' },
  ]],
};

/**
 * Any EN 1434 heat meter on M-Bus: the current records by VIF, whatever the maker. Checked by
 * decoding all 27 heat meter frames of libmbus (test/unit/gateway/protocols/mbus/models.test.ts).
 */
export const MBUS_HEAT: MbusModel = {
  protocol: 'mbus', name: 'MBus-Heat', vendor: 'EN 13757-3', kind: 'heat',
  datasheet: 'EN 13757-3:2013 Table 10 (primary VIFs), EN 1434-3 (heat meter records)',
  provenance: { status: 'captured', source: 'the heat meter frames of libmbus test/test-frames (test/fixtures/mbus; test/unit/gateway/protocols/mbus/models.test.ts)' },
  // ZMS: the identity the simulator answers with for this model; not a registered FLAG id.
  manufacturer: 'ZMS', version: 0x01, medium: 0x04,
  items: HEAT_ITEMS,
  telegrams: MULTICAL601_MBUS.telegrams,
};

/** Any water meter on M-Bus (medium 06H, 07H, 15H, 16H): volume and, where sent, flow. */
export const MBUS_WATER: MbusModel = {
  protocol: 'mbus', name: 'MBus-Water', vendor: 'EN 13757-3', kind: 'water',
  datasheet: 'EN 13757-3:2013 Table 10 (primary VIFs)',
  provenance: { status: 'captured', source: 'the water meter frames of libmbus test/test-frames (test/fixtures/mbus; test/unit/gateway/protocols/mbus/models.test.ts)' },
  manufacturer: 'ZMS', version: 0x01, medium: 0x07, // simulator identity, as for MBus-Heat
  items: WATER_ITEMS,
  // Itron BM +m layout: 0C 78 fabrication no., 04 13 volume in litres, 04 3B flow l/h, 04 6D date and time.
  telegrams: [[
    { dif: 0x0c, vif: 0x78, value: 'fabrication_number' },
    { dif: 0x04, vif: 0x13, value: 'volume_m3' },
    { dif: 0x04, vif: 0x3b, value: 'flow_m3h' },
    { dif: 0x04, vif: 0x6d, value: 'datetime' },
  ]],
};

export const MBUS_MODELS: readonly MbusModel[] = [CF_ECHO_II_MBUS, SUPERCAL531_MBUS, MULTICAL601_MBUS, MBUS_HEAT, MBUS_WATER];
