/** What can be wrong with bytes or a message from the other side, by code, for logs, replies and metrics. */
export type ProtocolFault = 'bad_frame' | 'too_large' | 'bad_crc' | 'bad_padding' | 'malformed_xml' | 'unexpected' | 'auth_failed';

export class ProtocolError extends Error {
  constructor(readonly fault: ProtocolFault, message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}
