// Where the consumer copies small records out of a fetch response, so that the response's frame can go
// back to the frame pool (src/client/frame-pool.ts) as soon as its bytes were decoded: the messages' keys,
// values and header values are then views of these copies instead of the frame.
//
// Ownership: a copy is never written again once made; it lives as long as a message (or anything the user
// kept of one) references it, and is then left to the collector. So values stay valid for ever, as views
// of a fresh frame would; a kept value holds its block (BLOCK_BYTES) in memory, not the whole response.
//
// Layout: a batch's records section is copied in runs of whole records, each run into the free end of the
// current block of BLOCK_BYTES (a new block when it is full); a record larger than a block gets a buffer of
// its own. Blocks are small on purpose: memory of that size comes from the allocator's recycled heap, where
// a buffer of hundreds of KiB is fresh pages from the kernel (a page fault each) every time.

/** Batches of records up to this size on average are copied out of the response (larger ones are viewed in place). */
export const MAX_COPIED_RECORD_BYTES = 16 * 1024;
const BLOCK_BYTES = 64 * 1024;

/**
 * Node's own Buffer class (what `subarray` ends up constructing): building the view directly skips
 * subarray's species lookup.
 */
const FastBuffer = (
  Buffer as unknown as Record<symbol, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer>
)[Symbol.species]!;

/** Whole records of a section, copied: `count` records in `records`. */
export interface CopiedRun {
  records: Buffer;
  count: number;
}

/**
 * Where the record starting at `pos` ends (its length varint, zigzag, included), or -1 when its length is
 * malformed or runs past `limit` (the caller then reads the section itself, which names the error).
 */
function recordEnd(section: Buffer, pos: number, limit: number): number {
  if (pos >= limit) return -1;
  let b = section[pos++]!;
  let zigzag = b & 0x7f;
  let shift = 7;
  while (b >= 0x80) {
    if (pos >= limit || shift > 28) return -1;
    b = section[pos++]!;
    zigzag |= (b & 0x7f) << shift;
    shift += 7;
  }
  if ((zigzag & 1) !== 0) return -1; // a negative length
  const end = pos + (zigzag >>> 1);
  return end <= limit ? end : -1;
}

export class RecordCopies {
  private block: Buffer | null = null;
  private used = 0;

  /**
   * Copies the `count` records of a batch's records section in runs of whole records; null when the
   * section does not hold exactly `count` well-delimited records (nothing to copy: the caller reads it in
   * place, and the record decoder reports what is wrong).
   */
  copyRecords(section: Buffer, count: number): CopiedRun[] | null {
    const runs: CopiedRun[] = [];
    const limit = section.length;
    let pos = 0;
    let copied = 0;
    while (copied < count) {
      let end = recordEnd(section, pos, limit);
      if (end < 0) return null;
      if (end - pos > BLOCK_BYTES) {
        const own = Buffer.allocUnsafeSlow(end - pos);
        section.copy(own, 0, pos, end);
        runs.push({ records: own, count: 1 });
        copied++;
        pos = end;
        continue;
      }
      if (this.block === null || end - pos > BLOCK_BYTES - this.used) {
        this.block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
        this.used = 0;
      }
      const room = BLOCK_BYTES - this.used;
      let n = 1;
      while (copied + n < count) {
        const next = recordEnd(section, end, limit);
        if (next < 0) return null;
        if (next - pos > room) break;
        end = next;
        n++;
      }
      section.copy(this.block, this.used, pos, end);
      runs.push({ records: new FastBuffer(this.block.buffer, this.used, end - pos), count: n });
      this.used += end - pos;
      copied += n;
      pos = end;
    }
    return pos === limit ? runs : null;
  }
}
