import { close, closeSync, fdatasync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';

// Raw descriptors (not FileHandle) for the write side: append() is synchronous by contract, and
// a plain fd lets the batched fsync run on the same descriptor without reopening the file.

export function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (err) => (err ? reject(err) : resolve())));
}

/** writeSync until every byte is out: a regular file may still take a short write. */
export function writeAll(fd: number, buf: Buffer, start: number, end: number): void {
  let off = start;
  while (off < end) off += writeSync(fd, buf, off, end - off);
}

/** A new or deleted file is durable only once its directory entry is. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Deletes a file that may already be gone. */
export function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
