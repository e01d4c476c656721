import { Duplex } from 'node:stream';

/**
 * Sits between a socket (TCP, TLS or WebSocket stream) and aedes and reads only the MQTT fixed
 * header of every packet: the type byte and the Remaining Length (MQTT 3.1.1 §2.2.3, MQTT 5
 * §2.1.4: a variable byte integer of 1–4 bytes, up to 268,435,455). aedes' parser keeps the
 * bytes of a packet in memory until all of them have arrived, and authorizePublish only sees a
 * packet once it is complete, so a client announcing a 256 MB packet — authenticated or not, a
 * CONNECT counts too — would make the broker buffer it. Here the connection is destroyed as soon
 * as the header says the packet will be too large, before its body is read. Bytes pass through
 * unchanged; the guard never copies or holds a packet.
 */
export class PacketSizeGuard extends Duplex {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private headerBytes = 0;
  private remaining = 0;

  constructor(
    private readonly socket: Duplex,
    private readonly maxPacketBytes: number,
    private readonly onOversize: (announced: number | null) => void,
  ) {
    super({ allowHalfOpen: false });
    socket.on('data', (chunk: Buffer) => {
      if (!this.scan(chunk)) return;
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** Follows packet boundaries through the chunk; false when the connection was dropped. */
  private scan(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.headerBytes = 1;
        continue;
      }
      this.headerBytes++;
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (byte & 0x80) {
        // §2.2.3: more than four length bytes is a malformed packet.
        if (this.headerBytes > 4) return this.refuse(null);
        continue;
      }
      if (this.headerBytes + this.length > this.maxPacketBytes) return this.refuse(this.headerBytes + this.length);
      this.remaining = this.length;
      this.state = this.length === 0 ? 'type' : 'body';
    }
    return true;
  }

  private refuse(announced: number | null): false {
    this.onOversize(announced);
    this.socket.destroy();
    this.destroy();
    return false;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    // Back-pressure is left to aedes, which watches write()'s return value and 'drain'.
    if (this.socket.write(chunk, encoding)) return cb();
    const done = () => {
      this.socket.off('drain', done);
      this.socket.off('close', done);
      cb();
    };
    this.socket.on('drain', done);
    this.socket.on('close', done);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.socket.destroyed) this.socket.destroy();
    cb(err);
  }
}
