// The broker's budget of bytes in flight (maxInFlightBytes), and each connection's share of it
// (maxConnectionInFlightBytes).
//
// Counted: a request frame from the moment its length prefix is read (before its buffer is allocated)
// until the request is answered (its handler settled); a response from the moment its bytes exist (a
// fetch reserves before reading its files; any other response once encoded) until the socket has written
// it or the connection closed, at the memory it keeps alive (a fetch's records are views of pool buffers,
// each counted whole, or of the tail cache's slabs, which the caches' own budget counts while a response
// pins them: storage/tail-cache.ts); a connection's fetch read-ahead while it holds one. Read-aheads are
// optional: a connection's give way to its own next frame when that frame would wait (they are let go only
// by that request), every connection's when a frame is about to wait with none before it, and none starts
// while frames wait.
//
// Admission: a frame is read only when both the broker-wide budget and its connection's limit have room
// for its whole length (a connection holding nothing may always take one frame: maxFrameBytes ≤
// maxInFlightBytes is checked at start). Otherwise the connection stops reading (its socket is paused)
// and waits. Waiting frames are admitted as room appears, in the order they asked, skipping any that does
// not fit yet, so a small request is not held up behind a 100 MiB one. Responses are never refused (they
// are work already done) but they are counted: a broker over budget reads nothing new until they drain,
// and a fetch reads only what fits (at least one batch, once it has waited for room for it: below).
//
// Fetches: a fetch that finds no room for its first read waits for it (whenRoom, bounded by the fetch's
// own wait: src/broker/fetch/memory-room.ts) rather than read one batch over the budget; when its wait runs
// out it reads as before.
//
// No deadlock: a frame waiting for room holds none; everything that holds room gives it back without
// needing more: a handler waits for the budget only as a fetch waits for data, holding its request frame
// and bounded by its deadline; a response is released once the client reads it (or its connection closes),
// read-aheads are given back before frames or fetches wait (above), and a client stuck in the middle of a
// frame is closed by the stall watchdog (which does not count time the broker itself kept the connection
// paused).
//
// Concurrency: one event loop; grants run callbacks, which may release and acquire again (re-entrancy is
// handled by looping until nothing more fits).

interface Waiter {
  readonly bytes: number;
  grant(): void;
}

/** Broker-wide bytes in flight. */
export class MemoryBudget {
  #used = 0;
  readonly #waiters: Waiter[] = [];
  #granting = false;
  #releasedWhileGranting = false;
  /** What gives back each connection's optional holdings (its read-aheads): see reclaimOptional(). */
  readonly #optionalHolders = new Set<() => void>();

  constructor(readonly limit: number) {}

  /** Bytes counted now (may exceed the limit by responses, which are never refused). */
  get used(): number {
    return this.#used;
  }

  /** Frames waiting for room. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Room left now. */
  get headroom(): number {
    return Math.max(0, this.limit - this.#used);
  }

  /**
   * The most a fetch waits for (ConnectionMemory.whenRoom): `bytes`, at most a quarter of the budget, so that
   * a budget not much larger than a fetch's first read never holds the fetch waiting for room that what is in
   * flight beside it (its own request frame among them) keeps from ever being free.
   */
  fetchRoom(bytes: number): number {
    return Math.max(1, Math.min(bytes, Math.floor(this.limit / 4)));
  }

  /** Registers what gives back one connection's optional holdings; the returned function unregisters it. */
  addOptionalHolder(giveBack: () => void): () => void {
    this.#optionalHolders.add(giveBack);
    return () => this.#optionalHolders.delete(giveBack);
  }

  /**
   * A frame is about to wait with none waiting before it: every connection gives back its optional holdings
   * (read-aheads, let go otherwise only by their own connection's next request, which an idle or busy consumer
   * may not send for long). While frames wait no optional work starts (ConnectionMemory.tryReserve), so
   * what holds the budget then is responses and requests being handled, which give it back on their own.
   */
  reclaimOptional(): void {
    for (const giveBack of this.#optionalHolders) giveBack();
  }

  /** Takes `bytes` if they fit now. */
  tryAcquire(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  /** Counts `bytes` that exist already (a response): never refused. */
  charge(bytes: number): void {
    this.#used += bytes;
  }

  release(bytes: number): void {
    this.#used -= bytes;
    if (this.#waiters.length > 0) this.#grantWaiters();
  }

  /**
   * Calls `grant` once `bytes` have been taken for it, on a later release (call it after tryAcquire failed).
   * Returns a cancel function (a no-op once granted).
   */
  wait(bytes: number, grant: () => void): () => void {
    if (bytes > this.limit) throw new RangeError(`${bytes} bytes can never fit a budget of ${this.limit}`);
    const waiter: Waiter = { bytes, grant };
    this.#waiters.push(waiter);
    return () => {
      const i = this.#waiters.indexOf(waiter);
      if (i >= 0) this.#waiters.splice(i, 1);
    };
  }

  #grantWaiters(): void {
    if (this.#granting) {
      this.#releasedWhileGranting = true;
      return;
    }
    this.#granting = true;
    try {
      do {
        this.#releasedWhileGranting = false;
        for (let i = 0; i < this.#waiters.length; ) {
          const waiter = this.#waiters[i]!;
          if (this.#used + waiter.bytes > this.limit) {
            i++;
            continue;
          }
          this.#waiters.splice(i, 1);
          this.#used += waiter.bytes;
          waiter.grant();
        }
      } while (this.#releasedWhileGranting);
    } finally {
      this.#granting = false;
    }
  }
}

/**
 * One connection's bytes in flight, within its own limit and the broker's budget. `onAdmitted` is called
 * (on a later microtask, never inside the call that freed the room) when a frame admit() refused has been
 * given its room.
 */
export class ConnectionMemory {
  #held = 0;
  /** A frame refused by admit(), until it is given room; `cancel` is set while it waits for the budget. */
  #pending: { bytes: number; cancel: (() => void) | null } | null = null;
  #closed = false;
  /** whenRoom waits not granted yet: cancelled when the connection closes. */
  readonly #roomWaits = new Set<() => void>();
  /** Gives back optional holdings (a read-ahead) before a frame would wait (MemoryShare.onFrameWaiting). */
  #giveBack: (() => void) | null = null;
  #unregisterGiveBack: (() => void) | null = null;

  constructor(
    readonly budget: MemoryBudget,
    readonly limit: number,
    private readonly onAdmitted: () => void,
  ) {}

  /** Bytes this connection holds. */
  get held(): number {
    return this.#held;
  }

  /** A frame is waiting for room: the connection must not read. */
  get waiting(): boolean {
    return this.#pending !== null;
  }

  /** Room for a frame of `bytes`: true when taken now; false when it waits (see the class comment). */
  admit(bytes: number): boolean {
    if (this.#closed) return false;
    if (this.#take(bytes)) return true;
    // Optional holdings give way before a frame waits: every connection's (this one's too) when no frame
    // waits for the budget yet, else this connection's own.
    if (this.budget.waiting === 0 && this.#fitsOwn(bytes)) this.budget.reclaimOptional();
    else this.#giveBack?.();
    if (this.#take(bytes)) return true;
    this.#pending = { bytes, cancel: null };
    if (this.#fitsOwn(bytes)) this.#waitForBudget();
    return false;
  }

  /**
   * Takes `bytes` (at most fetchRoom's quarter of the budget) once the broker's budget has room for them (a fetch waiting for
   * room for its first read, src/broker/fetch/memory-room.ts), then calls `granted` with what it took; never
   * inside this call. Returns the cancel
   * function (a no-op once granted). Nothing is taken for a connection that has closed.
   */
  whenRoom(bytes: number, granted: (taken: number) => void): () => void {
    if (this.#closed) return () => {};
    const wanted = this.budget.fetchRoom(bytes);
    // Optional holdings give way as they do for a frame about to wait first (admit()).
    if (this.budget.waiting === 0) this.budget.reclaimOptional();
    const cancel = this.budget.wait(wanted, () => {
      this.#roomWaits.delete(cancel);
      if (this.#closed) {
        this.budget.release(wanted);
        return;
      }
      this.#held += wanted;
      granted(wanted);
    });
    this.#roomWaits.add(cancel);
    return () => {
      this.#roomWaits.delete(cancel);
      cancel();
    };
  }

  /** Takes as much of `wanted` as fits now, possibly 0 (for work that can shrink: a fetch). */
  reserveUpTo(wanted: number): number {
    if (this.#closed) return 0;
    const own = this.#held === 0 ? wanted : Math.max(0, this.limit - this.#held);
    const bytes = Math.max(0, Math.min(wanted, own, this.budget.headroom));
    this.charge(bytes);
    return bytes;
  }

  /** Takes `bytes` if they fit now, else nothing (for work that is optional: a read-ahead). */
  tryReserve(bytes: number): boolean {
    if (this.#closed || this.#pending || this.budget.waiting > 0 || this.#held + bytes > this.limit) return false;
    if (!this.budget.tryAcquire(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  /** Counts bytes that exist already (a response): never refused. */
  charge(bytes: number): void {
    if (this.#closed || bytes === 0) return;
    this.#held += bytes;
    this.budget.charge(bytes);
  }

  release(bytes: number): void {
    if (this.#closed || bytes === 0) return;
    this.#held -= bytes;
    this.budget.release(bytes);
    const pending = this.#pending;
    if (pending && !pending.cancel && this.#fitsOwn(pending.bytes)) {
      if (this.budget.tryAcquire(pending.bytes)) this.#admitted(pending.bytes);
      else this.#waitForBudget();
    }
  }

  /** The connection closed: everything it held goes back, a waiting frame stops waiting. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregisterGiveBack?.();
    this.#unregisterGiveBack = null;
    this.#pending?.cancel?.();
    this.#pending = null;
    for (const cancel of this.#roomWaits) cancel();
    this.#roomWaits.clear();
    this.budget.release(this.#held);
    this.#held = 0;
  }

  /** See MemoryShare.onFrameWaiting. */
  onFrameWaiting(giveBack: () => void): void {
    this.#unregisterGiveBack?.();
    this.#giveBack = giveBack;
    this.#unregisterGiveBack = this.#closed ? null : this.budget.addOptionalHolder(giveBack);
  }

  #take(bytes: number): boolean {
    if (!this.#fitsOwn(bytes) || !this.budget.tryAcquire(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  /** Within this connection's own limit (one frame is always allowed when it holds nothing). */
  #fitsOwn(bytes: number): boolean {
    return this.#held === 0 || this.#held + bytes <= this.limit;
  }

  #waitForBudget(): void {
    const pending = this.#pending!;
    pending.cancel = this.budget.wait(pending.bytes, () => {
      pending.cancel = null;
      this.#admitted(pending.bytes);
    });
  }

  /** `bytes` were taken from the budget for the pending frame. */
  #admitted(bytes: number): void {
    this.#pending = null;
    this.#held += bytes;
    queueMicrotask(() => {
      if (!this.#closed) this.onAdmitted();
    });
  }
}
