// The broker thread's time on one request, for request_percentage: the synchronous slices a wire runs it in
// (decoding, the handler until it returns, and, after a handler that returned a promise, the continuation
// that encodes the answer). Time spent waiting (for a flush, a long poll's data, a group rebalance) is not the
// thread's and is not counted, as Kafka does not count a delayed request's time in purgatory. Made only when
// some entity has a request_percentage quota, so it costs nothing otherwise.
export class RequestTimer {
  #busyMs = 0;
  #since = performance.now();

  /** The handler returned a promise: the thread is free until it settles. */
  pause(): void {
    this.#busyMs += performance.now() - this.#since;
  }

  /** The promise settled: the thread works on the request again. */
  resume(): void {
    this.#since = performance.now();
  }

  /** The thread's milliseconds on the request so far. */
  elapsedMs(): number {
    return this.#busyMs + performance.now() - this.#since;
  }
}
