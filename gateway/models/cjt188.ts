import type { Cjt188Model } from './types.ts';

// CJ/T 188-2004, 6.x: DI 901FH ("计量数据") is the one read every water, heat and gas meter
// answers; its layout is fixed by the meter type, so a model only says which fields it
// publishes, which type byte it is addressed with and which DI byte order it expects.

/** Any CJ/T 188 cold-water meter (T = 10H): the current cumulative volume. */
export const CJT188_WATER: Cjt188Model = {
  protocol: 'cjt188',
  name: 'CJT188-Water',
  vendor: 'generic',
  kind: 'water',
  datasheet: 'CJ/T 188-2004 户用计量仪表数据传输技术条件, 6.3 read data, DI 901FH for water meters (T = 10H–19H)',
  provenance: { status: 'captured', source: 'a site gateway\'s water meter (github.com/Wanghuaichen/midCtrl devices/shui_biao.go) and aixiwang/python_cjt188 self-test frames; test/unit/gateway/protocols/captured-frames.ts (CJ/T 188)' },
  meterType: 0x10,
  diOrder: '901F',
  fields: { current_volume: 'volume_m3' },
};

/** Any CJ/T 188 heat meter (T = 20H): heat, power, flow, volume and both temperatures. */
export const CJT188_HEAT: Cjt188Model = {
  protocol: 'cjt188',
  name: 'CJT188-Heat',
  vendor: 'generic',
  kind: 'heat',
  datasheet: 'CJ/T 188-2004 户用计量仪表数据传输技术条件, 6.3 read data, DI 901FH for heat meters (T = 20H–29H)',
  provenance: { status: 'datasheet' },
  meterType: 0x20,
  diOrder: '901F',
  fields: {
    current_heat: 'heat_energy_kwh', heat_power: 'heat_power_kw', flow: 'flow_m3h', cumulative_volume: 'volume_m3',
    supply_temp: 'supply_temp_c', return_temp: 'return_temp_c',
  },
};

export const CJT188_MODELS_BASE: readonly Cjt188Model[] = [CJT188_WATER, CJT188_HEAT];
