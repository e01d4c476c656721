import { describe, expect, it } from 'vitest';
import { AckWindow } from '../../../../gateway/uplink/ack-window.ts';

describe('AckWindow (acknowledgement tracking)', () => {
  it('releases only a contiguous prefix: an ack out of order waits for the batches before it', () => {
    const w = new AckWindow();
    w.sent(1, 10, 100, 0);
    w.sent(11, 20, 100, 0);
    w.sent(21, 25, 100, 0);
    expect(w.sentUpTo).toBe(25);
    expect(w.ack(20)).toMatchObject({ upTo: null, readings: 0, batch: { firstSeq: 11 } });
    expect(w.size).toBe(3);
    expect(w.ack(10)).toMatchObject({ upTo: 20, readings: 20 });
    expect(w.size).toBe(1);
    expect(w.ack(25)).toMatchObject({ upTo: 25, readings: 5 });
    expect(w.size).toBe(0);
  });

  it('ignores an ack for no batch in flight (one of an earlier connection)', () => {
    const w = new AckWindow();
    w.sent(1, 10, 100, 0);
    expect(w.ack(7)).toBeNull();
    expect(w.ack(99)).toBeNull();
    expect(w.size).toBe(1);
  });

  it('goes back to the acked seq on restart, counting what will be resent, and moves the epoch', () => {
    const w = new AckWindow();
    w.sent(1, 10, 100, 0);
    w.sent(11, 20, 100, 0);
    const epoch = w.epoch;
    expect(w.restart(5)).toBe(2);
    expect(w).toMatchObject({ size: 0, sentUpTo: 5, epoch: epoch + 1 });
    // An ack of a batch sent before the restart releases nothing.
    expect(w.ack(10)).toBeNull();
  });

  it('names the oldest batch once it waited longer than the timeout', () => {
    const w = new AckWindow();
    expect(w.timedOut(10_000, 1000)).toBeNull();
    w.sent(1, 10, 100, 1000);
    w.sent(11, 20, 100, 5000);
    expect(w.timedOut(2000, 1000)).toBeNull();
    expect(w.timedOut(2001, 1000)).toMatchObject({ lastSeq: 10 });
  });

  it('finds the largest unacked batch sent just before a close', () => {
    const w = new AckWindow();
    w.sent(1, 10, 50_000, 0);
    w.sent(11, 20, 9_000, 9_000);
    w.sent(21, 30, 7_000, 9_500);
    expect(w.largestRecentUnacked(10_000, 2000)).toBe(9_000);
    w.ack(20);
    expect(w.largestRecentUnacked(10_000, 2000)).toBe(7_000);
    expect(w.largestRecentUnacked(20_000, 2000)).toBe(0);
  });
});
