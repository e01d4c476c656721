import { MbusError } from './errors.ts';

/**
 * EN 13757-3 6.5 / EN 62056-21 FLAG id: three letters A–Z packed in 15 bits, each letter − 64 in 5
 * bits, first letter highest ("KAM" = 2C2DH). Sent low byte first.
 */
export function decodeManufacturer(code: number): string {
  const letters = [(code >> 10) & 0x1f, (code >> 5) & 0x1f, code & 0x1f];
  // A code outside A–Z (0 or 27–31) is not a FLAG id; show it as hex rather than invent letters.
  if (letters.some((l) => l < 1 || l > 26) || code & 0x8000) return `?${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return String.fromCharCode(...letters.map((l) => l + 64));
}

export function encodeManufacturer(id: string): number {
  if (!/^[A-Z]{3}$/.test(id)) throw new MbusError('ERR_MBUS_HEADER', `manufacturer id must be three letters A–Z, got "${id}"`, 'permanent');
  return ((id.charCodeAt(0) - 64) << 10) | ((id.charCodeAt(1) - 64) << 5) | (id.charCodeAt(2) - 64);
}
