import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PointWriter, WriterFullError, type LineSink } from '../../../../ingestor/store/writer.ts';

/**
 * A sink that holds each write until the test lets it through, and keeps what it was sent: all
 * waiting writes at once (open), or one by its place in the order they were sent (release).
 */
function gatedSink() {
  const writes: string[][] = [];
  const gates: (() => void)[] = [];
  const sink: LineSink = {
    write(lines) {
      writes.push(lines.map((l) => l.toString()));
      return new Promise<void>((r) => gates.push(r));
    },
  };
  return { sink, writes, open: () => gates.splice(0).forEach((g) => g()), release: (i: number) => gates[i]!() };
}
const tick = () => new Promise((r) => setTimeout(r, 20));
const log = pino({ level: 'silent' });

describe('PointWriter queue', () => {
  it('keeps two writes in flight, a third waits for one of them', async () => {
    const { sink, writes, open } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 2, flushMs: 5, log });
    const done = [w.write(['r,m=a v=1 1', 'r,m=b v=1 1']), w.write(['r,m=c v=1 1', 'r,m=d v=1 1']), w.write(['r,m=e v=1 1', 'r,m=f v=1 1'])];
    await tick();
    expect(writes).toHaveLength(2);
    open();
    await Promise.all(done.slice(0, 2));
    await tick();
    expect(writes).toHaveLength(3);
    open();
    await done[2];
  });

  it('with a slot free, a new value of a point in flight still waits for that write', async () => {
    const { sink, writes, open } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 100, flushMs: 5, log });
    const first = w.write(['r,m=a v=1 1000']);
    await tick();
    const second = w.write(['r,m=a v=2 1000', 'r,m=b v=2 1000']);
    await tick();
    // One write in flight of two allowed, yet the second holds a point of the first: not sent.
    expect(writes).toEqual([['r,m=a v=1 1000']]);
    open();
    await first;
    await tick();
    expect(writes).toEqual([['r,m=a v=1 1000'], ['r,m=a v=2 1000', 'r,m=b v=2 1000']]);
    open();
    await second;
  });

  it('settles writes in the order they were accepted, whichever InfluxDB answers first', async () => {
    const { sink, writes, release } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 1, flushMs: 5, log });
    const settled: string[] = [];
    const first = w.write(['r,m=a v=1 1']).then(() => settled.push('first'));
    const second = w.write(['r,m=b v=1 1']).then(() => settled.push('second'));
    await tick();
    expect(writes).toHaveLength(2);
    release(1);
    await tick();
    // The second write is stored, yet reported only after the first: callers ack and publish in order.
    expect(settled).toEqual([]);
    release(0);
    await Promise.all([first, second]);
    expect(settled).toEqual(['first', 'second']);
  });

  it('settles 200,000 resent copies of a point in flight, in order, once it is stored', async () => {
    const { sink, writes, release } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 1, flushMs: 5, log });
    const slow = w.write(['r,m=a v=1 1']);
    await tick();
    // Resent copies of the point in flight, as from gateways resending through an outage.
    let last = 0;
    const copies: Promise<void>[] = [];
    for (let i = 0; i < 200_000; i++) copies.push(w.write(['r,m=a v=1 1']).then(() => { last = i; }));
    expect(writes).toHaveLength(1);
    release(0);
    await slow;
    await Promise.all(copies);
    expect(last).toBe(199_999);
  });

  it('a later write of a queued point replaces it: written once, with the later value', async () => {
    const { sink, writes, open } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 100, flushMs: 5, log });
    const first = w.write(['usage,meter=m1 value=1 1000', 'usage,meter=m2 value=1 1000']);
    await tick(); // the first group is in flight now
    const a = w.write(['usage,meter=m1 value=2 2000']);
    const b = w.write(['usage,meter=m1 value=3 2000']);
    expect(w.stats.duplicatesSkipped).toBe(1);
    open();
    await first;
    await tick();
    open();
    await Promise.all([a, b]);
    expect(writes).toEqual([['usage,meter=m1 value=1 1000', 'usage,meter=m2 value=1 1000'], ['usage,meter=m1 value=3 2000']]);
  });

  it('a resent identical point waits for the write in flight; a changed one is written after it', async () => {
    const { sink, writes, open } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 100, flushMs: 5, log });
    const first = w.write(['reading,meter=m1 kwh=1 1000']);
    await tick();
    let resentDone = false;
    const resent = w.write(['reading,meter=m1 kwh=1 1000']).then(() => { resentDone = true; });
    const changed = w.write(['reading,meter=m1 kwh=9 1000']);
    await tick();
    expect(resentDone).toBe(false);
    open();
    await Promise.all([first, resent]);
    await tick();
    open();
    await changed;
    expect(writes).toEqual([['reading,meter=m1 kwh=1 1000'], ['reading,meter=m1 kwh=9 1000']]);
  });

  it('refuses bounded writes past maxBytes while queuing unbounded ones', async () => {
    const { sink, open } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 100, flushMs: 5, log, maxBytes: 64 });
    const line = (n: number) => `reading,meter=m${n} kwh=1 1000`;
    const held = w.write([line(1), line(2)], { bounded: true });
    await expect(w.write([line(3), line(4)], { bounded: true })).rejects.toBeInstanceOf(WriterFullError);
    expect(w.stats.refusedFull).toBe(1);
    const usage = w.write([line(5), line(6)]);
    await tick();
    open();
    await held;
    await tick();
    open();
    await usage;
    expect(w.stats.pendingBytes).toBe(0);
  });

  it('takes series and times from the caller as the same identity it finds in a line', async () => {
    const { sink, writes, open } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 100, flushMs: 5, log });
    const first = w.write(['reading,meter=m1 kwh=1 1000', 'reading,meter=m2 kwh=1 1000']);
    // The same points, identified by the caller: the queued values are replaced, nothing is added.
    const second = w.write(['reading,meter=m1 kwh=2 1000', 'reading,meter=m2 kwh=2 1000'], { series: ['reading,meter=m1', 'reading,meter=m2'], times: [1000, 1000] });
    await tick();
    expect(writes).toEqual([['reading,meter=m1 kwh=2 1000', 'reading,meter=m2 kwh=2 1000']]);
    expect(w.stats.duplicatesSkipped).toBe(2);
    open();
    await Promise.all([first, second]);
  });

  it('a refused write leaves the points in flight as they were', async () => {
    const { sink, writes, open } = gatedSink();
    const w = new PointWriter(sink, { maxPoints: 100, flushMs: 5, log, maxBytes: 60 });
    const inFlight = w.write(['reading,meter=m1 kwh=1 1000'], { bounded: true });
    await tick();
    // A new value of the point in flight, refused for space: it must not take the point's place.
    const queued = w.write(['reading,meter=m2 kwh=1 1000'], { bounded: true });
    await expect(w.write(['reading,meter=m1 kwh=2 1000', 'reading,meter=m3 kwh=2 1000'], { bounded: true })).rejects.toBeInstanceOf(WriterFullError);
    // A resend identical to the point in flight still waits for it rather than travelling again.
    const resend = w.write(['reading,meter=m1 kwh=1 1000']);
    open();
    await inFlight;
    await tick();
    open();
    await Promise.all([queued, resend]);
    expect(writes).toEqual([['reading,meter=m1 kwh=1 1000'], ['reading,meter=m2 kwh=1 1000']]);
    // Everything settled: a write of the same point now travels again.
    const later = w.write(['reading,meter=m1 kwh=1 1000']);
    await tick();
    open();
    await later;
    expect(writes).toHaveLength(3);
  });
});
