/**
 * Runs tasks one after another, each starting when the one before has settled, whatever its
 * outcome: a line carries one transaction at a time (RS-485 is half duplex; an RTU answer or a
 * DL/T 645 frame says nothing of which request it answers). Every link of a bus queues through one.
 */
export function oneAtATime(): { run<T>(task: () => Promise<T>): Promise<T>; idle(): Promise<void> } {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    run(task) {
      const run = chain.then(task);
      chain = run.catch(() => undefined);
      return run;
    },
    /** Settles once everything queued so far has. */
    async idle() {
      await chain;
    },
  };
}
