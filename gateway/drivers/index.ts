import type { BusConfig } from '../config.ts';
import type { ModbusLink } from './link.ts';
import { createModbusLink, type LinkOptions, type LinkTarget } from './modbus-link.ts';

export type { ModbusLink } from './link.ts';
export { createModbusLink, describeTarget, type LinkTarget, type LinkOptions } from './modbus-link.ts';
export * from './errors.ts';

type ModbusBus = Exclude<BusConfig, { type: 'mqtt' }>;

export function targetOf(bus: ModbusBus): LinkTarget {
  switch (bus.type) {
    case 'tcp': return { type: 'tcp', host: bus.host, port: bus.port };
    case 'rtu-over-tcp': return { type: 'rtu-over-tcp', host: bus.host, port: bus.port };
    case 'rtu': return { type: 'rtu', path: bus.path, baud: bus.baud, parity: bus.parity, dataBits: bus.dataBits, stopBits: bus.stopBits };
  }
}

/** One link per bus: every meter on an RS-485 line or behind one bridge shares it. */
export function createBusLink(bus: ModbusBus, options?: LinkOptions): ModbusLink {
  return createModbusLink(targetOf(bus), options);
}
export { targetFromFlags, parseUnitIds, type TargetFlags } from './target-spec.ts';
