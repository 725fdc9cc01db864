// Where the consumer copies records out of a fetch response, so that the response's frame can go back to
// the frame pool (src/client/frame-pool.ts) as soon as its bytes were decoded: the messages' keys, values
// and header values are then views of these copies instead of the frame. The copy is made when a slice is
// decoded for delivery (runner.ts), not when the response arrives, so the copies of a slice the handler
// drops die in the young generation's next collection. Every uncompressed batch is copied (a compressed
// one is decompressed into memory of its own already): a frame viewed by messages could never be reused,
// and a fresh frame for every response costs a page fault per page (bench/RESULTS.md, "every record
// copied out").
//
// Ownership: a copy is never written again once made; it lives as long as a message (or anything the user
// kept of one) references it, and is then left to the collector. So values stay valid for ever, as views
// of a fresh frame would; a kept value holds its block (BLOCK_BYTES) in memory, or, for a record larger
// than a block, that record's own buffer, never the whole response.
//
// Layout: the record decoder (src/records/record.ts, RecordReader with a copy target) copies a batch's
// records section in runs of whole records as it reads them, each run into the free end of the current block
// of BLOCK_BYTES (a new block when the next record does not fit); a record larger than a block gets a buffer
// of its own. Blocks are small on purpose: memory of that size comes from the allocator's recycled heap,
// where a buffer of hundreds of KiB is fresh pages from the kernel every time unless glibc's thresholds were
// raised (src/allocator-primer.ts does that on a process's first replay of large records).
import type { RecordCopyTarget } from '../../records/record.js';

const BLOCK_BYTES = 64 * 1024;

export class RecordCopies implements RecordCopyTarget {
  private block: Buffer | null = null;
  private used = 0;
  /** After reserve(): where the run goes (see RecordCopyTarget). */
  target: Buffer = Buffer.alloc(0);
  at = 0;
  room = 0;
  /** The reserved memory is a buffer of the record's own, not the block. */
  private own = false;

  reserve(bytes: number): void {
    if (bytes > BLOCK_BYTES) {
      this.target = Buffer.allocUnsafeSlow(bytes);
      this.at = 0;
      this.room = bytes;
      this.own = true;
      return;
    }
    if (this.block === null || bytes > BLOCK_BYTES - this.used) {
      this.block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
      this.used = 0;
    }
    this.target = this.block;
    this.at = this.used;
    this.room = BLOCK_BYTES - this.used;
    this.own = false;
  }

  commit(bytes: number): void {
    if (!this.own) this.used += bytes;
  }
}
