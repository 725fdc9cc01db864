// Receive buffers of large response frames, reused once a consumer says their bytes are no longer
// referenced. A fresh frame costs the kernel a page fault per page as the socket's bytes are copied in, and
// the collector the frame's external size; a reused one costs only the copy.
//
// Ownership: a buffer comes back only through release(), which a consumer calls for a fetch response once
// nothing can reference its bytes any more: by default when every record of it was copied out
// (consumer/record-copies.ts; a response whose bytes a message still views is never released and is left
// to the collector), with ConsumerConfig.reuseFetchBuffers once its records were delivered and their
// handlers resolved (that option's documented contract), and, when a consumer stops or a partition seeks,
// for the responses it had fetched ahead and no message views or runner worker reads. With no running
// consumer in the process every frame is a fresh Buffer.allocUnsafe.
//
// Sizes: while a consumer runs, frames are allocated rounded up to ROUND_BYTES, so responses of slightly
// different sizes (a replay stream's frames end on batch edges) fit the same buffers. A buffer that is
// reused lives in the old generation and is never freed: no fresh pages, no external memory allocated
// again for the collector to count.
//
// Bounds: the free list holds at most MAX_FREE_BYTES (the largest buffers are left to the collector
// first), so the pool holds at most that much beyond the frames in use (a consumer's prefetch and its
// stream's window bound those). When the last consumer stops, the free list is kept for KEEP_FREE_MS more
// (releases still go into it, nothing is taken from it): a consumer started again within that time (a
// restart after an error, the next job's consumer) reads into the same memory instead of fresh pages; after
// it, the list is left to the collector.

/** Frames below this are allocated as before (the socket's own sizes; nothing to gain). */
export const MIN_POOLED_FRAME_BYTES = 1024 * 1024;
/** Pooled buffers are allocated rounded up to this, so responses of slightly different sizes fit them. */
const ROUND_BYTES = 1024 * 1024;
/** Bytes the free list holds at most (a released buffer beyond it is left to the collector). */
const MAX_FREE_BYTES = 64 * 1024 * 1024;
/** How long the free list outlives the last consumer that stopped. */
export const KEEP_FREE_MS = 10_000;

class FramePool {
  /** Consumers that opted in: only while there is one are frames allocated with headroom. */
  private users = 0;
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  /** Memory this pool allocated (nothing else may be released into it). */
  private readonly ours = new WeakSet<ArrayBuffer>();
  /** Set while no consumer runs and the free list is kept for one (KEEP_FREE_MS). */
  private dropTimer: NodeJS.Timeout | null = null;
  /** Frames served from the free list, allocated for it, and taken back into it (for tests and benches). */
  reused = 0;
  allocated = 0;
  released = 0;

  /** A consumer that will release its fetch responses' frames starts (true) or stops (false). */
  use(on: boolean): void {
    this.users = Math.max(0, this.users + (on ? 1 : -1));
    if (this.users > 0) {
      if (this.dropTimer) clearTimeout(this.dropTimer);
      this.dropTimer = null;
      return;
    }
    if (this.dropTimer) return;
    this.dropTimer = setTimeout(() => {
      this.dropTimer = null;
      this.free.length = 0;
      this.freeBytes = 0;
    }, KEEP_FREE_MS);
    this.dropTimer.unref();
  }

  /** A buffer for a frame of `length` bytes (its payload after the length prefix). */
  take(length: number): Buffer {
    if (this.users === 0 || length < MIN_POOLED_FRAME_BYTES) return Buffer.allocUnsafe(length);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.byteLength;
      if (size >= length && (best < 0 || size < this.free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const buffer = this.free.splice(best, 1)[0]!;
      this.freeBytes -= buffer.byteLength;
      this.reused++;
      return Buffer.from(buffer, 0, length);
    }
    const buffer = Buffer.allocUnsafeSlow(Math.ceil(length / ROUND_BYTES) * ROUND_BYTES).buffer as ArrayBuffer;
    this.ours.add(buffer);
    this.allocated++;
    return Buffer.from(buffer, 0, length);
  }

  /** The bytes of `frame` (any view of a frame take() returned) are referenced by nobody any more. */
  release(frame: Uint8Array): void {
    const buffer = frame.buffer as ArrayBuffer;
    const kept = this.users > 0 || this.dropTimer !== null;
    if (!kept || !this.ours.has(buffer) || this.free.includes(buffer)) return;
    this.free.push(buffer);
    this.freeBytes += buffer.byteLength;
    this.released++;
    // Over the bound, the largest buffers go first: the sizes a running stream keeps taking stay.
    while (this.freeBytes > MAX_FREE_BYTES) {
      let largest = 0;
      for (let i = 1; i < this.free.length; i++)
        if (this.free[i]!.byteLength > this.free[largest]!.byteLength) largest = i;
      this.freeBytes -= this.free.splice(largest, 1)[0]!.byteLength;
    }
  }
}

/** One pool per process: connections allocate from it, consumers that opted in release into it. */
export const framePool = new FramePool();
