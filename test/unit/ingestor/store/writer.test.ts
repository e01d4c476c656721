import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PointWriter, WriterFullError, type LineSink } from '../../../../ingestor/store/writer.ts';

/** A sink that holds each write until the test lets it through, and keeps what it was sent. */
function gatedSink() {
  const writes: string[][] = [];
  const gates: (() => void)[] = [];
  const sink: LineSink = {
    write(lines) {
      writes.push([...lines]);
      return new Promise<void>((r) => gates.push(r));
    },
  };
  return { sink, writes, open: () => gates.splice(0).forEach((g) => g()) };
}
const tick = () => new Promise((r) => setTimeout(r, 20));
const log = pino({ level: 'silent' });

describe('PointWriter queue', () => {
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
});
