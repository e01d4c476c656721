import type { Padding } from './cipher.ts';

/**
 * A vendor dialect of the 2008 guideline (能耗监测系统数据传输技术导则) as data: framing, CRC
 * placement, the XML element naming the building, the default padding and the `error` codes of
 * `<function>`. Every field says which public source it was checked against (docs/platforms.md).
 */
export interface Dialect {
  name: DialectName;
  /** First four bytes of a frame. */
  head: Buffer;
  /** Last four bytes of a frame. */
  tail: Buffer;
  /**
   * `payload`: CRC over sequence + ciphertext, written little-endian (NetDAU collector, gb2008).
   * `frame`: CRC over head, length, sequence and ciphertext, written big-endian, so the CRC of
   * everything up to and including it is 0 (RenewEDSenderM capture: 0x6441 → bytes 64 41).
   */
  crc: { scope: 'payload' | 'frame'; endian: 'le' | 'be' };
  /** `<common>` child naming the building: `building_id` (guideline) or `project_id` (renewable-energy projects). */
  idElement: 'building_id' | 'project_id';
  padding: Padding;
  /** `<function error="…">` for a good value; 192 in every public sample seen. */
  errorOk: string;
  /** The same attribute for a value the collector could not read. */
  errorMissing: string;
}

export const DIALECT_NAMES = ['gb2008', 'renewable'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

export const DIALECTS: Record<DialectName, Dialect> = {
  // 55 AA 55 AA | length (u32 LE) | sequence (u32 LE) + AES ciphertext | CRC16 LE | 68 68 16 16.
  // Framing as written by the NetDAU collector (writeUInt32BE(0x55aa55aa), writeUInt32LE(length),
  // 4 bytes ahead of the ciphertext, writeUInt16LE(crc), writeUInt32BE(0x68681616)).
  gb2008: {
    name: 'gb2008',
    head: Buffer.from([0x55, 0xaa, 0x55, 0xaa]),
    tail: Buffer.from([0x68, 0x68, 0x16, 0x16]),
    crc: { scope: 'payload', endian: 'le' },
    idElement: 'building_id',
    padding: 'zero',
    errorOk: '192',
    errorMissing: '0',
  },
  // 68 68 16 16 | length (u32 LE) | sequence (u32) | AES ciphertext | CRC16 BE over all before it |
  // 55 AA 55 AA: head and tail swapped, as in the RenewEDSenderM capture (可再生能源示范项目 sender).
  renewable: {
    name: 'renewable',
    head: Buffer.from([0x68, 0x68, 0x16, 0x16]),
    tail: Buffer.from([0x55, 0xaa, 0x55, 0xaa]),
    crc: { scope: 'frame', endian: 'be' },
    idElement: 'project_id',
    padding: 'ascii0',
    errorOk: '192',
    errorMissing: '0',
  },
};
