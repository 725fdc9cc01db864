// The work-queue workload every system of bench/queues/ runs the same way: a queue pre-loaded with
// `records` records of `size` bytes (publisher confirms / acknowledged produce), then `members` consumers
// in this process, each with its own connection and at most `maxInFlight` unacknowledged records, whose
// handler acknowledges each record at once or after `handlerMs`. The figure is acknowledged records per
// second from the first member starting to the last acknowledgement reaching the server.

export interface WorkloadOptions {
  records: number;
  size: number;
  members: number;
  maxInFlight: number;
  /** 0: acknowledge in the delivery callback; else after a timer of this many ms. */
  handlerMs: number;
  /** Give up (and fail the run) after this long. */
  timeoutMs: number;
}

export interface QueueSystem {
  name: string;
  /** What an acknowledged publish and an acknowledged record survive, in a few words. */
  durability: string;
  /** The server's process id, when it runs as a child of the bench (broker-cpu.ts reads its CPU time). */
  brokerPid?: number;
  /** A fresh queue with `records` records in it. */
  load(queue: string, records: number, size: number): Promise<void>;
  /** Runs the members until every record is acknowledged; returns the seconds that took. */
  consume(queue: string, options: WorkloadOptions): Promise<number>;
  /**
   * One record held by a member that never acknowledges it: ms from the moment the system may hand it to
   * another member (lock expiry, or for RabbitMQ the holder's channel closing) until another member has it.
   */
  redelivery(queue: string, lockMs: number): Promise<number>;
  stop(): Promise<void>;
}

/** Calls `ack` now or after `handlerMs`, as the handler of the workload would. */
export function handle(handlerMs: number, ack: () => void): void {
  if (handlerMs === 0) ack();
  else setTimeout(ack, handlerMs);
}

/** Resolves when `count()` reaches `target`; rejects after `timeoutMs` naming what was reached. */
export function whenCount(
  count: () => number,
  target: number,
  timeoutMs: number,
  what: string,
): { promise: Promise<void>; check: () => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(
    () => reject(new Error(`${what}: ${count()} of ${target} after ${timeoutMs} ms`)),
    timeoutMs,
  );
  const check = () => {
    if (count() >= target) {
      clearTimeout(timer);
      resolve();
    }
  };
  return { promise, check };
}

export const payload = (size: number) => Buffer.alloc(size, 0x61);
