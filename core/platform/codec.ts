import { decrypt, encrypt, type Padding } from './cipher.ts';
import { DIALECTS, type Dialect, type DialectName } from './dialects.ts';
import { encodeFrame, FrameReader, type Frame } from './frame.ts';
import { buildXml, parseMessage, type Message } from './messages.ts';

export interface CodecSettings {
  dialect: DialectName;
  key: Buffer;
  iv: Buffer;
  /** Overrides the dialect's default padding. */
  padding?: Padding;
  /** A vendor's variant of the dialect's framing, as configuration (`framing:`). */
  framing?: FramingOverrides;
  maxFrameBytes: number;
  maxMeters: number;
}

/** The framing facts a vendor may change, each replacing the named dialect's. */
export interface FramingOverrides {
  /** 8 hex digits. */
  head?: string;
  tail?: string;
  crcScope?: 'payload' | 'frame';
  crcEndian?: 'le' | 'be';
  idElement?: 'building_id' | 'project_id';
}

/** Message ⇄ frame bytes for one platform: XML, AES-128-CBC, framing and CRC of its dialect. */
export class PlatformCodec {
  readonly dialect: Dialect;
  readonly padding: Padding;

  constructor(private readonly s: CodecSettings) {
    const f = s.framing ?? {};
    const base = DIALECTS[s.dialect];
    this.dialect = {
      ...base,
      ...(f.head ? { head: Buffer.from(f.head, 'hex') } : {}),
      ...(f.tail ? { tail: Buffer.from(f.tail, 'hex') } : {}),
      crc: { scope: f.crcScope ?? base.crc.scope, endian: f.crcEndian ?? base.crc.endian },
      ...(f.idElement ? { idElement: f.idElement } : {}),
    };
    this.padding = s.padding ?? this.dialect.padding;
  }

  encode(m: Message, seq: number): Buffer {
    const xml = Buffer.from(buildXml(this.dialect, m), 'utf8');
    return encodeFrame(this.dialect, { seq, cipher: encrypt(xml, { key: this.s.key, iv: this.s.iv, padding: this.padding }) });
  }

  /** The XML text of a frame (decrypted, padding removed). */
  xmlOf(f: Frame): string {
    return decrypt(f.cipher, { key: this.s.key, iv: this.s.iv, padding: this.padding }).toString('utf8');
  }

  decode(f: Frame): Message {
    return parseMessage(this.dialect, this.xmlOf(f), { maxMeters: this.s.maxMeters });
  }

  reader(): FrameReader {
    return new FrameReader(this.dialect, this.s.maxFrameBytes);
  }
}

/** A 16-byte key or IV from 32 hex digits or 16 ASCII characters (both forms appear in public configs). */
export function parseKey(s: string): Buffer | null {
  if (/^[0-9a-fA-F]{32}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[\x20-\x7e]{16}$/.test(s)) return Buffer.from(s, 'latin1');
  return null;
}
