/** Callers waiting for a seq to become readable; woken when the durable seq passes theirs. */
export class Waiters {
  private readonly set = new Set<{ after: number; done: (ok: boolean) => void }>();

  wait(afterSeq: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const w = {
        after: afterSeq,
        done: (ok: boolean) => {
          clearTimeout(t);
          this.set.delete(w);
          resolve(ok);
        },
      };
      const t = setTimeout(() => w.done(false), timeoutMs);
      this.set.add(w);
    });
  }

  wake(durableSeq: number): void {
    for (const w of [...this.set]) if (durableSeq > w.after) w.done(true);
  }

  cancelAll(): void {
    for (const w of [...this.set]) w.done(false);
  }
}
