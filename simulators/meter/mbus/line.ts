import { takeMasterFrame } from './frame.ts';
import type { MbusSlave } from './slave.ts';

interface Stream {
  on(ev: 'data', f: (c: Buffer) => void): unknown;
  off(ev: 'data', f: (c: Buffer) => void): unknown;
  write(b: Buffer): unknown;
}

/**
 * Serves the slaves on one M-Bus line. Every slave hears every frame; when more than one answers,
 * their answers overlap as on a real bus: a slave signals a 0 bit by drawing current, so the
 * master reads a 0 wherever any slave sends one — the bytes are ANDed (identical E5s stay a valid
 * E5; differing telegrams arrive damaged). That is what a secondary-address search has to detect.
 */
export function serveMbusLine(stream: Stream, slaves: readonly MbusSlave[], opts: { replyDelayMs?: number } = {}): () => void {
  let buf = Buffer.alloc(0);
  let closed = false;
  // EN 13757-2 5.7: a slave answers 11 to 330 bit times after the request; a few ms here.
  const delay = opts.replyDelayMs ?? 5;
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const got = takeMasterFrame(buf);
      if (!got) break;
      buf = buf.subarray(got.used);
      if (!got.frame) continue;
      const answers = slaves.map((s) => s.handle(got.frame!)).filter((a): a is Buffer => a !== null);
      if (answers.length === 0) continue;
      const out = answers.length === 1 ? answers[0]! : overlap(answers);
      setTimeout(() => { if (!closed) stream.write(out); }, delay);
    }
  };
  stream.on('data', onData);
  return () => {
    closed = true;
    stream.off('data', onData);
  };
}

function overlap(answers: readonly Buffer[]): Buffer {
  const n = Math.max(...answers.map((a) => a.length));
  // An idle line is mark (1): a shorter answer adds nothing after its end.
  const out = Buffer.alloc(n, 0xff);
  for (const a of answers) for (let i = 0; i < a.length; i++) out[i] = out[i]! & a[i]!;
  return out;
}
