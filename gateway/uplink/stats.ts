export type UplinkState = 'connecting' | 'online' | 'offline' | 'stopped';

export interface UplinkStats {
  state: UplinkState;
  connectedSince: number | null;
  reconnects: number;
  batchesSent: number;
  batchesAcked: number;
  readingsAcked: number;
  quarantinedAcks: number;
  inFlight: number;
  resends: number;
  lastAckAt: number | null;
  lastError: string | null;
  /** Largest batch payload this connection may send: the config's, or less once the broker said so. */
  maxBatchBytes: number;
  /** The broker's packet limit as learnt from its retained limits message; null until then. */
  brokerMaxPacketBytes: number | null;
  /** Batches cut smaller than a journal read to stay under the size limit. */
  splits: number;
}

export function emptyStats(maxBatchBytes: number): UplinkStats {
  return {
    state: 'connecting', connectedSince: null, reconnects: 0, batchesSent: 0, batchesAcked: 0, readingsAcked: 0,
    quarantinedAcks: 0, inFlight: 0, resends: 0, lastAckAt: null, lastError: null,
    maxBatchBytes, brokerMaxPacketBytes: null, splits: 0,
  };
}
