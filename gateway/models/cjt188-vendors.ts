import type { Cjt188Model } from './types.ts';
import { CJT188_MODELS_BASE } from './cjt188.ts';

/**
 * The "SC" cold-water meter of the worked example reproduced at cnblogs.com/yangykaifa/p/7010777.html
 * and hftangyu.com/563.html (manufacturer code 7833 in the top address bytes): it is read with
 * DI 901FH sent 1F 90 (DI0 first, as the standard's byte order would have it) and answers the
 * same way, with the standard water layout.
 */
export const SC_WATER: Cjt188Model = {
  protocol: 'cjt188',
  name: 'SC-Water',
  vendor: 'SC (manufacturer code 7833)',
  kind: 'water',
  datasheet: 'CJ/T 188-2004 water layout, DI order as in the SC meter example (cnblogs.com/yangykaifa/p/7010777.html)',
  provenance: { status: 'captured', source: 'request and answer of an SC water meter, cnblogs.com/yangykaifa/p/7010777.html; test/unit/gateway/protocols/captured-frames.ts' },
  meterType: 0x10,
  diOrder: '1F90',
  fields: { current_volume: 'volume_m3' },
};

/**
 * The "JY" heat meter of cnblogs.com/llguanli/p/8683992.html ("CJ/T-188 冷热量表协议解析2"), which
 * the author shows to differ from the standard: every unit code comes before its value. Read
 * with DI sent 90 1F; values: settlement and current heat, power, flow, volume, temperatures.
 */
export const JY_HEAT: Cjt188Model = {
  protocol: 'cjt188',
  name: 'JY-Heat',
  vendor: 'JY',
  kind: 'heat',
  datasheet: 'JY heat meter CJ/T 188 answer as documented in cnblogs.com/llguanli/p/8683992.html (unit code before each value)',
  provenance: { status: 'captured', source: 'request and answer of a JY heat meter, cnblogs.com/llguanli/p/8683992.html; test/unit/gateway/protocols/captured-frames.ts' },
  meterType: 0x20,
  diOrder: '901F',
  unitFirst: true,
  fields: {
    current_heat: 'heat_energy_kwh', heat_power: 'heat_power_kw', flow: 'flow_m3h', cumulative_volume: 'volume_m3',
    supply_temp: 'supply_temp_c', return_temp: 'return_temp_c',
  },
};

export const CJT188_MODELS: readonly Cjt188Model[] = [...CJT188_MODELS_BASE, SC_WATER, JY_HEAT];
