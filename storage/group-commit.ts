// Group commit (concurrency of the partition log: see partition-log.ts): appends that need their data
// fsynced register a waiter (inside the serial queue, right after their write). One loop runs at a time outside the queue: it snapshots the log end, fsyncs the active
// segment, and resolves every waiter at or below the snapshot. Appends that write while an fsync is in
// flight are covered by the next one, so N concurrent appends cost far fewer than N fsyncs.
//
// On an fsync failure the loop asks the log to roll back (inside the queue), which fails every waiter.
// `reset` bumps a generation so a sync that started before a rollback or truncation cannot advance
// flushedOffset over data that is gone.
import type { Segment } from './segment.js';

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitDeps {
  snapshot(): { segment: Segment; offset: number; size: number };
  rollback(err: unknown): Promise<void>;
  now(): number;
}

export class GroupCommit {
  #flushedOffset = 0;
  #lastFlushTime: number;
  #waiters: Waiter[] = [];
  #running = false;
  #generation = 0;
  readonly #deps: GroupCommitDeps;

  constructor(deps: GroupCommitDeps) {
    this.#deps = deps;
    this.#lastFlushTime = deps.now();
  }

  /** Every offset below it is fsynced. */
  get flushedOffset(): number {
    return this.#flushedOffset;
  }

  /** Clock time of the last fsync that moved flushedOffset (or of the last reset). */
  get lastFlushTime(): number {
    return this.#lastFlushTime;
  }

  /**
   * Called before a rollback or truncation touches the files: an fsync already in flight may still
   * succeed, and it must not then advance flushedOffset (resolving waiters) over data being discarded.
   */
  invalidateInFlight(): void {
    this.#generation++;
  }

  /** Sets flushedOffset after a rollback, truncation or open (it may move backwards). */
  reset(offset: number): void {
    this.#generation++;
    this.#flushedOffset = offset;
    this.#lastFlushTime = this.#deps.now();
  }

  /** An fsync covering every offset below `offset` succeeded: resolves the waiters it covers. */
  advance(offset: number): void {
    if (offset > this.#flushedOffset) {
      this.#flushedOffset = offset;
      this.#lastFlushTime = this.#deps.now();
    }
    const waiters = this.#waiters;
    let i = 0;
    while (i < waiters.length && waiters[i]!.target <= this.#flushedOffset) waiters[i++]!.resolve();
    if (i > 0) waiters.splice(0, i);
  }

  /** Resolves once every offset below `target` is fsynced. Waiters arrive in non-decreasing target order. */
  waitFor(target: number): Promise<void> {
    if (target <= this.#flushedOffset) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => this.#waiters.push({ target, resolve, reject }));
    promise.catch(() => {}); // the caller awaits it; this keeps an early rejection from being "unhandled"
    if (!this.#running) void this.#loop();
    return promise;
  }

  /** Some caller waits for an fsync. */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  failAll(err: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(err);
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiters.length > 0) {
        const generation = this.#generation;
        const { segment, offset, size } = this.#deps.snapshot();
        try {
          await segment.fh.sync();
        } catch (err) {
          await this.#deps.rollback(err).catch((e: unknown) => this.failAll(e));
          continue;
        }
        if (generation !== this.#generation) continue;
        segment.markFlushed(size);
        this.advance(offset);
      }
    } finally {
      this.#running = false;
    }
  }
}
