import { EXCEPTION_NAMES } from '../../gateway/drivers/errors.ts';
import { decodeRegister, findModel, REGISTER_WIDTH } from '../../gateway/models/index.ts';
import { MEASUREMENTS } from '../../core/index.ts';
import { FrameError } from '../../gateway/protocols/errors.ts';
import type { FrameReport } from './decode-report.ts';

/** Modbus over serial line V1.02, 6.2.2: CRC-16, polynomial A001H (reflected 8005H), initial FFFFH. */
function crc16(b: Uint8Array, end: number): number {
  let crc = 0xffff;
  for (let i = 0; i < end; i++) {
    crc ^= b[i]!;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/**
 * One Modbus RTU frame: a read request (FC 03/04, 8 bytes), a read answer, or an exception.
 * An answer carries no start address, so decoding it with a model needs `start`.
 */
export function decodeModbusRtu(bytes: Buffer, modelName: string | undefined, start: number | undefined): FrameReport {
  if (bytes.length < 5) throw new FrameError('ERR_FRAME_INCOMPLETE', `${bytes.length} byte(s): a Modbus RTU frame has at least 5`);
  const crc = crc16(bytes, bytes.length - 2);
  const got = bytes.readUInt16LE(bytes.length - 2);
  if (crc !== got) throw new FrameError('ERR_FRAME_CHECKSUM', `CRC ${got.toString(16).padStart(4, '0')}, expected ${crc.toString(16).padStart(4, '0')} (low byte first)`);
  const unit = bytes[0]!;
  const fc = bytes[1]!;
  const fields: [string, string][] = [['unit id', String(unit)]];
  if (fc & 0x80) {
    const code = bytes[2]!;
    fields.push(['function', `${fc & 0x7f} (exception)`]);
    return { protocol: 'modbus-rtu', fields, values: [], error: `exception ${code}: ${EXCEPTION_NAMES[code] ?? 'unknown exception'}` };
  }
  if (fc !== 3 && fc !== 4) throw new FrameError('ERR_FRAME_CONTROL', `function ${fc}: only reads (03, 04) and exceptions are decoded`);
  fields.push(['function', String(fc)]);
  const model = modelName ? findModel(modelName) : undefined;
  if (modelName && !model) throw new RangeError(`unknown Modbus model "${modelName}"`);
  // A request is 8 bytes: unit, fc, start (2), count (2), CRC (2); an answer's byte count is bytes − 5.
  if (bytes.length === 8 && bytes[2] !== 3) {
    fields.push(['start', String(bytes.readUInt16BE(2))], ['count', String(bytes.readUInt16BE(4))], ['kind', 'request']);
    return { protocol: 'modbus-rtu', fields, values: [] };
  }
  const count = bytes[2]!;
  if (count !== bytes.length - 5) throw new FrameError('ERR_FRAME_LENGTH', `byte count ${count}, but ${bytes.length - 5} data byte(s) came`);
  const data = bytes.subarray(3, 3 + count);
  fields.push(['kind', 'answer'], ['registers', String(count / 2)]);
  const values: FrameReport['values'] = [];
  if (model && start !== undefined) {
    for (const r of model.registers) {
      if (r.fc !== fc || r.address < start || r.address + REGISTER_WIDTH[r.type] > start + count / 2) continue;
      values.push({ name: `${r.address}`, value: decodeRegister(r, data, start), unit: MEASUREMENTS[r.measurement].unit, measurement: r.measurement });
    }
  } else {
    for (let i = 0; i + 1 < count; i += 2) values.push({ name: `word ${i / 2}`, value: data.readUInt16BE(i), unit: '' });
  }
  return { protocol: 'modbus-rtu', fields, values };
}
