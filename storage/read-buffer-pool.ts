// Reusable read buffers for segment reads (fetch). A fresh multi-MiB Buffer per read is memory outside
// the JS heap that V8 only frees in a mark-compact; at replay rates that made the broker run full GCs every
// few MiB, and each fresh buffer's pages are faulted in again. Reads take a buffer from here and the
// caller hands it back once nothing references it any more (the broker: after the socket write carrying
// it completed, i.e. the kernel has copied the bytes).
//
// Invariant: release() only a buffer no response, view or pending write still reads; when unsure, do
// not release it (the GC frees it like any buffer). A buffer released twice would be handed to two readers.
//
// Sizes: a request gets a buffer of its size class (64 KiB, then multiples of 1/8 of the power of two at
// or above it: at most 25 % more than asked), so consumers with the same fetch size reuse each other's
// buffers; when its class has none free, a free buffer of a larger class up to twice its own is taken
// rather than a new one allocated (the caller counts what it got: buffer.length).
// Bound: the free buffers held total at most maxPooledBytes; a release beyond that first drops free buffers
// of other classes, then, if still over, is dropped itself (GC).
// Buffers lent out are not counted: what is in flight is bounded by the broker's fetch and in-flight limits.
//
// Why reuse matters this much: a dropped buffer stays allocated until V8's next full collection, which
// under load comes seconds later; a busy broker dropping a few hundred MiB/s of them holds that much more.

const MIN_CLASS_BYTES = 64 * 1024;

/**
 * The largest read size at most `n` bytes: a power of two or one and a half times one, at least 64 KiB (both
 * are size classes). A read whose limit is free to shrink (segment.ts) sizes its buffer by this, so the reads
 * of a busy broker, whose limits are whatever its memory budget had left, take buffers of a few classes that
 * reuse each other's instead of a new one per limit.
 */
export function readSizeAtMost(n: number): number {
  if (n <= MIN_CLASS_BYTES) return MIN_CLASS_BYTES;
  const power = 2 ** Math.floor(Math.log2(n));
  return n >= power * 1.5 ? power * 1.5 : power;
}

/** The size class of a request for `n` bytes (see the file comment). */
export function sizeClass(n: number): number {
  if (n <= MIN_CLASS_BYTES) return MIN_CLASS_BYTES;
  const step = 2 ** Math.ceil(Math.log2(n)) / 8;
  return Math.ceil(n / step) * step;
}

export class ReadBufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private pooled = 0;

  constructor(readonly maxPooledBytes: number) {}

  /** Bytes held in free buffers. */
  get pooledBytes(): number {
    return this.pooled;
  }

  /**
   * A buffer of at least `n` bytes: a free one of its size class, else a free one of a larger class up to
   * twice that, else a new one of its class. Contents are stale.
   */
  acquire(n: number): Buffer {
    const size = sizeClass(n);
    for (let candidate = size; candidate <= 2 * size; candidate = sizeClass(candidate + 1)) {
      const reused = this.free.get(candidate)?.pop();
      if (reused) {
        this.pooled -= candidate;
        return reused;
      }
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Hands back a buffer acquire() returned, once nothing references it (see the invariant above). */
  release(buffer: Buffer): void {
    const size = buffer.length;
    if (size !== sizeClass(size) || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== size) return; // not ours
    if (this.pooled + size > this.maxPooledBytes)
      this.evictOtherClasses(size, this.pooled + size - this.maxPooledBytes);
    if (this.pooled + size > this.maxPooledBytes) return;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    if (list.includes(buffer)) return; // released twice: keep it once
    list.push(buffer);
    this.pooled += size;
  }

  /**
   * Drops free buffers of classes other than `keep` (the class being released, so in use now) until `bytes`
   * were dropped or none is left: readers that changed their read size (a consumer moving from fetches to a
   * stream's smaller frames) reuse buffers again instead of finding the pool full of the old size.
   */
  private evictOtherClasses(keep: number, bytes: number): void {
    for (const [size, list] of this.free) {
      if (size === keep) continue;
      while (bytes > 0 && list.pop()) {
        this.pooled -= size;
        bytes -= size;
      }
      if (list.length === 0) this.free.delete(size);
      if (bytes <= 0) return;
    }
  }
}
