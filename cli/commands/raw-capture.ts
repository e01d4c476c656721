import type { ModbusLink } from '../../gateway/drivers/link.ts';

/** The data bytes one read request got back, as they came off the wire. */
export interface RawRead {
  readonly fc: 3 | 4;
  readonly address: number;
  readonly count: number;
  /** Response data bytes (no unit id, function code, byte count or CRC), lower-case hex. */
  readonly data: string;
}

/**
 * Wraps a link so every answer is kept as it came in: a field capture must hold the meter's own
 * bytes, before any decoding could hide a wrong address, order or scale.
 */
export function recordingLink(link: ModbusLink): { link: ModbusLink; reads: RawRead[] } {
  const reads: RawRead[] = [];
  return {
    reads,
    link: {
      async readRegisters(unitId, fc, address, count, timeoutMs) {
        const block = await link.readRegisters(unitId, fc, address, count, timeoutMs);
        reads.push({ fc, address, count, data: block.toString('hex') });
        return block;
      },
      close: () => link.close(),
    },
  };
}

/**
 * One line per request, in the form docs/meter-models.md asks for in a capture:
 * `raw fc=03 start=8198 (0x2006) count=62 data=43 66 33 34 …`
 */
export function formatRawRead(r: RawRead): string {
  const bytes = r.data.match(/../g) ?? [];
  const hexAddr = r.address.toString(16).toUpperCase().padStart(4, '0');
  return `raw fc=${String(r.fc).padStart(2, '0')} start=${r.address} (0x${hexAddr}) count=${r.count} data=${bytes.join(' ')}`;
}
