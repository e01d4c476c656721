import type { MeterModel } from './types.ts';
import { block } from './blocks.ts';

// Kaifeng Xintai RS-485 water meters: holding registers (FC 03), float32 stored little-endian
// across the two registers (DCBA). The protocol document's example: bytes 1E 85 0B 3F read as
// 0.545 m³/h.
const f = block(3, 'float32', 'DCBA');

const registers = [
  f('volume_m3', 0x0001), // 0001H Positive cumulative flow, m³
  f('reverse_volume_m3', 0x0003), // 0003H Negative cumulative flow, m³
  f('flow_m3h', 0x0005), // 0005H Instantaneous flow rate, m³/h
];

/** Datasheet: Xintai "Water Meter MODBUS 485 protocol V1" (as tabled in PouCon XintaiWaterMeter). */
export const XINTAI_WATER: MeterModel = {
  name: 'XT-WM485',
  vendor: 'Kaifeng Xintai',
  kind: 'water',
  datasheet: 'Kaifeng Xintai Valve "Water Meter MODBUS 485 protocol V1", register table 0001H–001EH',
  provenance: { status: 'captured', source: 'Xintai protocol V1 worked example quoted in PouCon (0.545 m³/h); test/unit/gateway/models/captured.test.ts' },
  registers,
  // Register 0007H is the pipe-segment status, 0055H (empty) or 00AAH (full) per the protocol.
  identify: [{ fc: 3, address: 0x0007, type: 'uint16', order: 'ABCD', min: 0x55, max: 0xaa, what: 'pipe status' }],
};
