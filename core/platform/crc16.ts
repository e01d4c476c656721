// CRC-16 with polynomial 0x1021, initial value 0, no reflection, no final XOR (CRC-16/XMODEM).
// Both public implementations of the 2008 guideline's framing use it: the NetDAU collector's table
// starts 0x0000, 0x1021, 0x2042 … and the RenewEDSenderM capture's CRC (0x6441) is reproduced by
// it over the frame's bytes from the head to the end of the ciphertext.
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}
