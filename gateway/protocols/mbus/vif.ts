/**
 * EN 13757-3 value information: the primary VIF table (Table 10 of EN 13757-3:2013), the two
 * extension tables behind FBH and FDH (Tables 14 and 12) and the combinable VIFEs (Table 15).
 * A VIF says what a record measures (`quantity`), in which unit and with which power of ten; the
 * record's integer times 10^exponent is the value in `unit`.
 */
export type Quantity =
  | 'energy' | 'volume' | 'mass' | 'on_time' | 'operating_time' | 'power' | 'volume_flow' | 'mass_flow'
  | 'flow_temperature' | 'return_temperature' | 'temperature_difference' | 'external_temperature' | 'pressure'
  | 'date' | 'datetime' | 'hca_units' | 'averaging_duration' | 'actuality_duration'
  | 'fabrication_number' | 'enhanced_id' | 'bus_address'
  | 'credit' | 'debit' | 'access_number' | 'medium' | 'manufacturer' | 'parameter_set' | 'model_version'
  | 'hardware_version' | 'firmware_version' | 'software_version' | 'customer_location' | 'customer'
  | 'error_flags' | 'error_mask' | 'digital_output' | 'digital_input' | 'baud_rate' | 'response_delay'
  | 'retry' | 'storage_interval' | 'duration_since_readout' | 'tariff_start' | 'tariff_duration'
  | 'tariff_period' | 'dimensionless' | 'voltage' | 'current' | 'reset_counter' | 'cumulation_counter'
  | 'control_signal' | 'day_of_week' | 'week_number' | 'battery_operating_time' | 'battery_change'
  | 'plain_text' | 'any' | 'manufacturer_specific' | 'unsupported';

export interface VifInfo {
  readonly quantity: Quantity;
  /** SI-like unit of value × 10^exponent: Wh, J, m³, kg, W, J/h, m³/h, m³/min, m³/s, kg/h, °C, K, bar, s, min, h, d, V, A; '' if none. */
  readonly unit: string;
  readonly exponent: number;
  /** English description for the CLI and logs. */
  readonly label: string;
}

const DURATION = ['s', 'min', 'h', 'd'] as const;

function info(quantity: Quantity, unit: string, exponent: number, label: string): VifInfo {
  return { quantity, unit, exponent, label };
}

/** Primary VIF (EN 13757-3:2013 Table 10), without the extension bit. 7BH/7DH/7CH/7FH are handled by the caller. */
export function primaryVif(vif: number): VifInfo {
  const v = vif & 0x7f;
  const n3 = v & 0x07;
  const n2 = v & 0x03;
  if (v <= 0x07) return info('energy', 'Wh', n3 - 3, 'Energy');
  if (v <= 0x0f) return info('energy', 'J', n3, 'Energy');
  if (v <= 0x17) return info('volume', 'm³', n3 - 6, 'Volume');
  if (v <= 0x1f) return info('mass', 'kg', n3 - 3, 'Mass');
  if (v <= 0x23) return info('on_time', DURATION[n2]!, 0, 'On time');
  if (v <= 0x27) return info('operating_time', DURATION[n2]!, 0, 'Operating time');
  if (v <= 0x2f) return info('power', 'W', n3 - 3, 'Power');
  if (v <= 0x37) return info('power', 'J/h', n3, 'Power');
  if (v <= 0x3f) return info('volume_flow', 'm³/h', n3 - 6, 'Volume flow');
  if (v <= 0x47) return info('volume_flow', 'm³/min', n3 - 7, 'Volume flow');
  if (v <= 0x4f) return info('volume_flow', 'm³/s', n3 - 9, 'Volume flow');
  if (v <= 0x57) return info('mass_flow', 'kg/h', n3 - 3, 'Mass flow');
  if (v <= 0x5b) return info('flow_temperature', '°C', n2 - 3, 'Flow temperature');
  if (v <= 0x5f) return info('return_temperature', '°C', n2 - 3, 'Return temperature');
  if (v <= 0x63) return info('temperature_difference', 'K', n2 - 3, 'Temperature difference');
  if (v <= 0x67) return info('external_temperature', '°C', n2 - 3, 'External temperature');
  if (v <= 0x6b) return info('pressure', 'bar', n2 - 3, 'Pressure');
  if (v === 0x6c) return info('date', '', 0, 'Time point (date)');
  if (v === 0x6d) return info('datetime', '', 0, 'Time point (date and time)');
  if (v === 0x6e) return info('hca_units', '', 0, 'Units for heat cost allocator');
  if (v === 0x6f) return info('unsupported', '', 0, 'Reserved VIF 6FH');
  if (v <= 0x73) return info('averaging_duration', DURATION[n2]!, 0, 'Averaging duration');
  if (v <= 0x77) return info('actuality_duration', DURATION[n2]!, 0, 'Actuality duration');
  if (v === 0x78) return info('fabrication_number', '', 0, 'Fabrication number');
  if (v === 0x79) return info('enhanced_id', '', 0, 'Enhanced identification');
  if (v === 0x7a) return info('bus_address', '', 0, 'Bus address');
  if (v === 0x7e) return info('any', '', 0, 'Any VIF');
  if (v === 0x7f) return info('manufacturer_specific', '', 0, 'Manufacturer specific VIF');
  // 7BH and 7DH without the extension bit name no table (the tables are reached by FBH/FDH).
  return info('unsupported', '', 0, `Reserved VIF ${v.toString(16).toUpperCase()}H`);
}

/** First VIFE after VIF = FBH (EN 13757-3:2013 Table 14). */
export function extensionFB(code: number): VifInfo {
  const c = code & 0x7f;
  const n = c & 0x01;
  const n2 = c & 0x03;
  if (c <= 0x01) return info('energy', 'Wh', n - 1 + 6, 'Energy'); // 10^(n-1) MWh
  if (c === 0x08 || c === 0x09) return info('energy', 'J', n - 1 + 9, 'Energy'); // 10^(n-1) GJ
  if (c === 0x10 || c === 0x11) return info('volume', 'm³', n + 2, 'Volume');
  if (c === 0x18 || c === 0x19) return info('mass', 'kg', n + 2 + 3, 'Mass'); // 10^(n+2) t
  if (c === 0x28 || c === 0x29) return info('power', 'W', n - 1 + 6, 'Power'); // 10^(n-1) MW
  if (c === 0x30 || c === 0x31) return info('power', 'J/h', n - 1 + 9, 'Power'); // 10^(n-1) GJ/h
  // °F temperatures, US volumes and the rest: reported as unsupported rather than converted wrongly.
  if (c >= 0x58 && c <= 0x67) return info('unsupported', '°F', n2 - 3, 'Temperature in °F (not converted)');
  return info('unsupported', '', 0, `VIF extension FB ${c.toString(16).toUpperCase().padStart(2, '0')}H not supported`);
}

const FD_NAMED: Record<number, [Quantity, string]> = {
  0x08: ['access_number', 'Access number'],
  0x09: ['medium', 'Medium'],
  0x0a: ['manufacturer', 'Manufacturer'],
  0x0b: ['parameter_set', 'Parameter set identification'],
  0x0c: ['model_version', 'Model / version'],
  0x0d: ['hardware_version', 'Hardware version'],
  0x0e: ['firmware_version', 'Firmware version'],
  0x0f: ['software_version', 'Software version'],
  0x10: ['customer_location', 'Customer location'],
  0x11: ['customer', 'Customer'],
  0x16: ['unsupported', 'Password'],
  0x17: ['error_flags', 'Error flags'],
  0x18: ['error_mask', 'Error mask'],
  0x1a: ['digital_output', 'Digital output'],
  0x1b: ['digital_input', 'Digital input'],
  0x1c: ['baud_rate', 'Baud rate'],
  0x1d: ['response_delay', 'Response delay time'],
  0x1e: ['retry', 'Retry'],
  0x3a: ['dimensionless', 'Dimensionless'],
  0x60: ['reset_counter', 'Reset counter'],
  0x61: ['cumulation_counter', 'Cumulation counter'],
  0x62: ['control_signal', 'Control signal'],
  0x63: ['day_of_week', 'Day of week'],
  0x64: ['week_number', 'Week number'],
  0x70: ['battery_change', 'Date and time of battery change'],
};

/** First VIFE after VIF = FDH (EN 13757-3:2013 Table 12). */
export function extensionFD(code: number): VifInfo {
  const c = code & 0x7f;
  const named = FD_NAMED[c];
  if (named) return info(named[0], '', 0, named[1]);
  if (c <= 0x03) return info('credit', '', (c & 3) - 3, 'Credit (local currency)');
  if (c <= 0x07) return info('debit', '', (c & 3) - 3, 'Debit (local currency)');
  if (c >= 0x24 && c <= 0x27) return info('storage_interval', DURATION[c & 3]!, 0, 'Storage interval');
  if (c >= 0x2c && c <= 0x2f) return info('duration_since_readout', DURATION[c & 3]!, 0, 'Duration since last readout');
  if (c >= 0x40 && c <= 0x4f) return info('voltage', 'V', (c & 0x0f) - 9, 'Voltage');
  if (c >= 0x50 && c <= 0x5f) return info('current', 'A', (c & 0x0f) - 12, 'Current');
  if (c >= 0x6c && c <= 0x6f) return info('battery_operating_time', DURATION[c & 3]!, 0, 'Operating time battery');
  return info('unsupported', '', 0, `VIF extension FD ${c.toString(16).toUpperCase().padStart(2, '0')}H not supported`);
}

/**
 * Combinable (orthogonal) VIFEs, EN 13757-3:2013 Table 15, as far as they change the value:
 * E111 0nnn multiplies by 10^(nnn−6) and E111 1101 by 10^3. Others change what the value means
 * (limits, durations, per-unit rates, accumulation direction) and are only described.
 */
export function vifeExponent(vife: number): number {
  const c = vife & 0x7f;
  if (c >= 0x70 && c <= 0x77) return (c & 0x07) - 6;
  if (c === 0x7d) return 3;
  return 0;
}

export function describeVife(vife: number): string {
  const c = vife & 0x7f;
  if (c <= 0x1f) return `record error code ${c}`;
  if (c === 0x3a) return 'uncorrected unit';
  if (c === 0x3b) return 'accumulation of positive contributions only';
  if (c === 0x3c) return 'accumulation of negative contributions only (absolute value)';
  if (c >= 0x70 && c <= 0x77) return `× 10^${(c & 7) - 6}`;
  if (c >= 0x78 && c <= 0x7b) return `additive correction × 10^${(c & 3) - 3}`;
  if (c === 0x7d) return '× 10^3';
  if (c === 0x7e) return 'future value';
  if (c === 0x7f) return 'manufacturer specific VIFE follows';
  if (c >= 0x20 && c <= 0x2f) return 'per-unit rate';
  if (c >= 0x40 && c <= 0x6f) return 'limit value / limit exceed information';
  return `VIFE ${c.toString(16).toUpperCase().padStart(2, '0')}H`;
}
