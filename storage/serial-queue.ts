// Runs async tasks one at a time in call order: the partition log's mutations (see partition-log.ts).
//
// runNow() runs a task at once, in the caller's turn, when nothing is queued or running (the append's hot
// path: partition-append.ts appendNow). While it runs synchronously the queue counts as busy; a task queued
// by run() meanwhile (a callback of the running task's own work) waits for the running task to end: for
// the promise it returns, if it returns one, else runs after it as usual.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Tasks queued or running. */
  #busy = 0;
  /** A task is running synchronously inside runNow(). */
  #inline = false;
  /** What tasks queued during an inline run wait for: resolved when the inline task ends. */
  #gate: { promise: Promise<unknown>; open: (after: unknown) => void } | null = null;
  readonly #done = (): void => {
    this.#busy--;
  };

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#inline && this.#gate === null) {
      let open!: (after: unknown) => void;
      const promise = new Promise<unknown>((resolve) => {
        open = resolve;
      });
      this.#gate = { promise, open };
      this.tail = promise;
    }
    this.#busy++;
    const result = this.tail.then(task);
    this.tail = result.then(this.#done, this.#done);
    return result;
  }

  /**
   * Runs `task` now if no task is queued or running, and returns what it returns (a value, or a promise the
   * queue then waits for before the next task); returns `busy` without running it otherwise. A synchronous
   * throw is thrown on.
   */
  runNow<T, B>(task: () => T | Promise<T>, busy: B): T | Promise<T> | B {
    if (this.#busy > 0) return busy;
    this.#busy++;
    this.#inline = true;
    let value: T | Promise<T>;
    try {
      value = task();
    } catch (error) {
      this.#finishInline(undefined);
      throw error;
    }
    if (value instanceof Promise) {
      const settled = value.then(this.#done, this.#done);
      this.#inline = false;
      const gate = this.#gate;
      this.#gate = null;
      if (gate) gate.open(settled);
      else this.tail = settled;
      return value;
    }
    this.#finishInline(undefined);
    return value;
  }

  #finishInline(after: unknown): void {
    this.#busy--;
    this.#inline = false;
    const gate = this.#gate;
    this.#gate = null;
    gate?.open(after);
  }
}
