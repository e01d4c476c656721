// MQTT fixed header (≤ 5 bytes), topic length and topic, packet id: room left around the payload.
export const PACKET_OVERHEAD = 512;
export const MIN_BATCH_BYTES = 1024;

/**
 * How large a batch payload may be: the configured size, under the broker's packet limit once
 * its limits message has told it, and under what the broker was seen to refuse. A broker drops
 * the connection over a packet larger than it takes; when that happens with a large batch
 * unacked, the cap halves, and it grows back as batches of its size pass, never to the size refused.
 */
export class BatchBudget {
  /** The broker's packet limit from its retained limits message; null until then. */
  brokerMaxPacketBytes: number | null = null;
  /** Lowered when the broker dropped the connection over a batch: halved until batches pass. */
  private sizeCap = Infinity;
  /** Smallest batch sent right before the broker closed the connection: the cap never grows back to it. */
  private refusedBytes = Infinity;

  constructor(private readonly configured: number) {}

  /** What a batch payload may weigh now. */
  bytes(): number {
    const broker = this.brokerMaxPacketBytes === null ? Infinity : this.brokerMaxPacketBytes - PACKET_OVERHEAD;
    return Math.max(MIN_BATCH_BYTES, Math.min(this.configured, broker, this.sizeCap));
  }

  /**
   * The connection closed with `largestUnacked` bytes the largest batch sent just before. Returns
   * the new cap when it was lowered. A broker that announced its limit is trusted instead.
   */
  closedWith(largestUnacked: number): number | null {
    if (largestUnacked <= MIN_BATCH_BYTES || this.brokerMaxPacketBytes !== null) return null;
    this.refusedBytes = Math.min(this.refusedBytes, largestUnacked);
    const cap = Math.max(MIN_BATCH_BYTES, Math.floor(largestUnacked / 2));
    if (cap >= this.sizeCap) return null;
    this.sizeCap = cap;
    return cap;
  }

  /** A batch of `bytes` was acked: batches of this size pass, so the cap grows back towards the configured size. */
  passed(bytes: number): void {
    if (this.sizeCap !== Infinity && bytes >= this.sizeCap / 2) {
      this.sizeCap = Math.floor(Math.min(this.sizeCap * 1.25, this.configured, this.refusedBytes * 0.9));
    }
  }
}
