// Runs async tasks one at a time in call order. The partition log funnels every mutation (append's write,
// roll, truncate, retention, close) through one queue, so file positions and offsets need no locks.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
