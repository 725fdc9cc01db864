// Once per process, when a consumer first replays large records (fetcher.ts, the replay stream): keeps the
// memory it copies records into recycled by the C allocator instead of given back to the kernel and faulted
// in again.
//
// Why: the consumer's frames (frame-pool.ts) and record copies (record-copies.ts) are malloc'd (Node's
// ArrayBuffer allocator). glibc serves a block above its mmap threshold (128 KiB until raised) with a fresh
// mapping and unmaps it on free, and gives the free top of its heap back to the kernel once it exceeds its
// trim threshold (128 KiB likewise): either way the next block lands on pages the kernel must fault in and
// zero, a page at a time (on a virtual machine, microseconds to tens of microseconds each). glibc raises both
// thresholds by itself when a mapped block is freed: the mmap threshold to that block's size (up to 32 MiB),
// the trim threshold to twice that. A process that never frees a large block (a consumer whose frames are
// pooled and never freed) keeps the low thresholds.
//
// What: one untouched block of PRIMER_BYTES is allocated and dropped. It is mapped, never written (no page of
// it becomes resident), and unmapped when the collector frees it; glibc's thresholds then stand at ~8 MiB and
// ~16 MiB. Cost: up to ~16 MiB of freed memory kept in the process's heap for reuse. Nothing of what a message
// references changes: values stay valid as long as they are referenced. Other allocators (musl) unmap the
// block and change nothing.

/**
 * Below glibc's largest dynamic mmap threshold (32 MiB on 64-bit); above a replay stream's frames (a quarter of
 * maxBytes, 2.5 MiB by default) and the record copies.
 */
export const PRIMER_BYTES = 8 * 1024 * 1024 - 64 * 1024;

let primed = false;

/** Allocates and drops the primer block, the first time only. */
export function primeAllocator(): void {
  if (primed) return;
  primed = true;
  Buffer.allocUnsafeSlow(PRIMER_BYTES);
}
