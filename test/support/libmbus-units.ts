import type { Quantity } from '../../gateway/protocols/mbus/index.ts';

/**
 * libmbus's way of writing units in its XML and in node-mbus's JSON, turned into the quantity, the
 * unit and the factor zonemeter's decoder uses, so the two can be compared value by value.
 */
// libmbus's unit strings: "<Quantity> (<prefix> <unit>)", e.g. "Volume (1e-2  m^3)", "Energy (0.1 MWh)".
const XML_QUANTITY: Record<string, Quantity> = {
  'Energy': 'energy', 'Volume': 'volume', 'Volume flow': 'volume_flow', 'Power': 'power',
  'Flow temperature': 'flow_temperature', 'Return temperature': 'return_temperature', 'Temperature Difference': 'temperature_difference',
};
const XML_UNIT: [string, string][] = [['m^3/h', 'm³/h'], ['m^3', 'm³'], ['deg C', '°C'], ['Wh', 'Wh'], ['W', 'W'], ['J', 'J']];
const PREFIX: Record<string, number> = { m: 1e-3, my: 1e-6, k: 1e3, M: 1e6, G: 1e9 };

export function xmlPhysical(unit: string): { quantity: Quantity; unit: string; factor: number } | undefined {
  const m = unit.match(/^(Energy|Volume flow|Volume|Power|Flow temperature|Return temperature|Temperature Difference) \((.*)\)$/);
  if (!m) return undefined;
  const inner = m[2]!;
  const base = XML_UNIT.find(([u]) => inner.endsWith(u));
  if (!base) throw new Error(`unknown libmbus unit in "${unit}"`);
  let factor = 1;
  for (const tok of inner.slice(0, inner.length - base[0].length).trim().split(/\s+/).filter(Boolean)) {
    const f = PREFIX[tok] ?? Number(tok);
    if (!Number.isFinite(f)) throw new Error(`unknown prefix "${tok}" in "${unit}"`);
    factor *= f;
  }
  const quantity = XML_QUANTITY[m[1]!]!;
  // libmbus writes a temperature difference in "deg C"; EN 13757-3 (and this decoder) say K.
  return { quantity, unit: quantity === 'temperature_difference' ? 'K' : base[1], factor };
}

