// Once per process, before its first large allocations: keeps the memory of large buffers that die recycled
// by the C allocator instead of given back to the kernel and faulted in again. Two users: a consumer's first
// replay of large records (src/client/consumer/fetcher.ts: its frames and record copies) and a broker's first
// request frame that glibc would map (src/broker/transport/connection.ts: a produce request's bytes, kept by
// the partition's tail cache after the append, then dropped).
//
// Why: Node's ArrayBuffers are malloc'd. glibc serves a block above its mmap threshold (128 KiB until raised)
// with a fresh mapping and unmaps it on free, and gives the free top of its heap back to the kernel once it
// exceeds its trim threshold (128 KiB likewise): either way the next block lands on pages the kernel must
// fault in and zero, a page at a time (on a virtual machine, microseconds to tens of microseconds each; for
// the broker the kernel takes those faults inside the socket read that fills a produce request's frame).
// glibc raises both thresholds by itself when a mapped block is freed: the mmap threshold to that block's
// size (up to 32 MiB), the trim threshold to twice that. A process that never frees a large block (a
// consumer whose frames are pooled) keeps the low thresholds; one that frees blocks of varying sizes (a
// broker's request frames) raises them only to the largest it has freed.
//
// What: one untouched block of PRIMER_BYTES is allocated and dropped. It is mapped, never written (no page of
// it becomes resident), and unmapped when the collector frees it; glibc's thresholds then stand at ~8 MiB and
// ~16 MiB. Cost: up to ~16 MiB of freed memory kept in the process's heap for reuse. Nothing a buffer holds
// changes: a buffer stays valid as long as it is referenced. Other allocators (musl) unmap the block and
// change nothing.

/**
 * Below glibc's largest dynamic mmap threshold (32 MiB on 64-bit); above a consumer's record copies. A
 * consumer's replay-stream frames (up to maxBytes, 10 MiB by default) are pooled, so mapped once each; a
 * broker's request frames larger than this (a produce request of more than 8 MiB) are still mapped afresh.
 */
export const PRIMER_BYTES = 8 * 1024 * 1024 - 64 * 1024;

/** glibc's mmap threshold until it is raised (M_MMAP_THRESHOLD's default): larger blocks get mappings. */
export const DEFAULT_MMAP_THRESHOLD_BYTES = 128 * 1024;

let primed = false;

/** Allocates and drops the primer block, the first time only. */
export function primeAllocator(): void {
  if (primed) return;
  primed = true;
  Buffer.allocUnsafeSlow(PRIMER_BYTES);
}

/** Whether this process has primed its allocator. */
export function allocatorPrimed(): boolean {
  return primed;
}

/** Buffer.allocUnsafe, the allocator primed first when the block is one glibc would map on its defaults. */
export function allocateLarge(length: number): Buffer {
  if (length >= DEFAULT_MMAP_THRESHOLD_BYTES) primeAllocator();
  return Buffer.allocUnsafe(length);
}
