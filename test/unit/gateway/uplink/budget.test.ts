import { describe, expect, it } from 'vitest';
import { BatchBudget, MIN_BATCH_BYTES, PACKET_OVERHEAD } from '../../../../gateway/uplink/budget.ts';

describe('BatchBudget (how large a batch may be)', () => {
  it('is the configured size until told otherwise, and never below the minimum', () => {
    expect(new BatchBudget(256 * 1024).bytes()).toBe(256 * 1024);
    expect(new BatchBudget(10).bytes()).toBe(MIN_BATCH_BYTES);
  });

  it('stays under the packet limit the broker announced, leaving room for the MQTT header', () => {
    const b = new BatchBudget(256 * 1024);
    b.brokerMaxPacketBytes = 16 * 1024;
    expect(b.bytes()).toBe(16 * 1024 - PACKET_OVERHEAD);
    // An announced limit is trusted: a close says nothing more about size.
    expect(b.closedWith(12 * 1024)).toBeNull();
  });

  it('halves after a close with a large batch unacked, and grows back as batches pass, never to the size refused', () => {
    const b = new BatchBudget(256 * 1024);
    expect(b.closedWith(100_000)).toBe(50_000);
    expect(b.bytes()).toBe(50_000);
    expect(b.closedWith(100_000)).toBeNull(); // no lower than already
    expect(b.closedWith(MIN_BATCH_BYTES)).toBeNull(); // a small batch says nothing about size
    b.passed(10_000); // too small to say batches of the cap pass
    expect(b.bytes()).toBe(50_000);
    for (let i = 0; i < 20; i++) b.passed(b.bytes());
    expect(b.bytes()).toBe(90_000); // 0.9 × the refused 100 000
  });
});
