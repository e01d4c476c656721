import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PtyPair {
  /** Two linked serial devices: bytes written to one come out of the other, like a null-modem cable. */
  readonly a: string;
  readonly b: string;
  close(): Promise<void>;
}

/**
 * Starts `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B` and resolves once both links exist.
 * close() stops socat and removes the links' folder.
 */
export async function startPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zm-pty-'));
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => { spawnError = err; });

  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const deadline = Date.now() + 5_000;
  // socat prints "starting data transfer loop" once both ptys are open.
  while (!(existsSync(a) && existsSync(b) && stderr.includes('starting data transfer loop'))) {
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      cleanup();
      const why = spawnError ? spawnError.message : child.exitCode !== null ? `exited with ${child.exitCode}` : 'timed out';
      throw new Error(`socat pty pair did not start (${why}); install socat (scripts/deps.sh)\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  return {
    a,
    b,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}
