// Receive buffers of large response frames, reused once a consumer says their bytes are no longer
// referenced (ConsumerConfig.reuseFetchBuffers). A fresh frame costs the kernel a page fault per page as
// the socket's bytes are copied in, and the collector the frame's external size; a reused one costs only
// the copy.
//
// Ownership: a buffer comes back only through release(), which only a consumer that opted in calls, and
// only for a fetch response whose record bytes it has delivered and whose handlers have resolved (the
// documented contract of that option: keys, values and header values are valid until the handler that
// received them resolves). Nothing else ever reaches the free list, so with no such consumer in the
// process every frame is a fresh Buffer.allocUnsafe, exactly as before.
//
// Bounds: at most MAX_FREE buffers wait on the free list (the rest are left to the collector), so the pool
// holds at most MAX_FREE × the largest frame (maxFrameBytes) beyond what is in use.
//
// Fresh frames and the C allocator (every consumer, opted in or not): a frame's memory comes from malloc and
// goes back to free() when the collector finds the frame unreachable. glibc serves blocks above its mmap
// threshold (128 KiB at start) with a fresh mmap and unmaps them on free, so each large response would
// land on pages the kernel must fault in and zero (one fault per 4 KiB page, about a third of the
// consumer's CPU for large records). glibc raises that threshold to the size of an mmapped block when
// such a block is freed (its "dynamic threshold", up to 32 MiB on 64-bit; the trim threshold becomes twice
// that). So the first large frame in the process also allocates one untouched block of THRESHOLD_PRIMER_BYTES
// and drops it: it costs address space, not memory (none of its pages is touched), and once the collector
// frees it, later frames of up to that size come from malloc's heap, where freed frames are reused without
// faults. The cost: the heap keeps up to twice that size of freed memory mapped instead of returning it
// (resident only where frames had been), so a process that received large responses may show tens of MiB
// more RSS. Other allocators (musl, jemalloc) ignore the primer: it is then one dropped allocation.

/** Frames below this are allocated as before (the socket's own sizes; nothing to gain). */
export const MIN_POOLED_FRAME_BYTES = 1024 * 1024;
/** Pooled buffers are allocated rounded up to this, so responses of slightly different sizes fit them. */
const ROUND_BYTES = 1024 * 1024;
const MAX_FREE = 4;
/**
 * Just under glibc's DEFAULT_MMAP_THRESHOLD_MAX (32 MiB): the freed block (size plus a page of header,
 * rounded up) must not exceed it, or the threshold is left as it was.
 */
const THRESHOLD_PRIMER_BYTES = 31 * 1024 * 1024;

class FramePool {
  /** Consumers that opted in: only while there is one are frames allocated with headroom. */
  private users = 0;
  private readonly free: ArrayBuffer[] = [];
  /** Memory this pool allocated (nothing else may be released into it). */
  private readonly ours = new WeakSet<ArrayBuffer>();
  /** Frames served from the free list, and frames allocated for it (for tests and benches). */
  reused = 0;
  allocated = 0;
  /** The threshold primer was allocated (once per process). */
  primed = false;

  /** A consumer that will release its fetch responses' frames starts (true) or stops (false). */
  use(on: boolean): void {
    this.users = Math.max(0, this.users + (on ? 1 : -1));
    if (this.users === 0) this.free.length = 0;
  }

  /** A buffer for a frame of `length` bytes (its payload after the length prefix). */
  take(length: number): Buffer {
    if (length < MIN_POOLED_FRAME_BYTES) return Buffer.allocUnsafe(length);
    if (!this.primed) this.primeAllocator();
    if (this.users === 0) return Buffer.allocUnsafe(length);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.byteLength;
      if (size >= length && (best < 0 || size < this.free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const buffer = this.free.splice(best, 1)[0]!;
      this.reused++;
      return Buffer.from(buffer, 0, length);
    }
    const buffer = Buffer.allocUnsafeSlow(Math.ceil(length / ROUND_BYTES) * ROUND_BYTES).buffer as ArrayBuffer;
    this.ours.add(buffer);
    this.allocated++;
    return Buffer.from(buffer, 0, length);
  }

  /** Allocates and drops the untouched block that raises glibc's mmap threshold when freed (see above). */
  private primeAllocator(): void {
    this.primed = true;
    Buffer.allocUnsafeSlow(THRESHOLD_PRIMER_BYTES);
  }

  /** The bytes of `frame` (any view of a frame take() returned) are referenced by nobody any more. */
  release(frame: Uint8Array): void {
    const buffer = frame.buffer as ArrayBuffer;
    if (this.users === 0 || !this.ours.has(buffer) || this.free.includes(buffer)) return;
    if (this.free.length < MAX_FREE) this.free.push(buffer);
  }
}

/** One pool per process: connections allocate from it, consumers that opted in release into it. */
export const framePool = new FramePool();
