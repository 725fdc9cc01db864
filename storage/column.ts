// A column of numbers kept in typed-array chunks, so that appending never copies what is already there. A typed
// array grown by doubling copies everything so far into memory faulted in at that moment: a 1 GiB segment's offset
// index stalled the produce path 4.5 ms when it passed 131,072 entries (bench/RESULTS.md, "index columns in
// chunks"), and the latency bench's stamp arrays stalled its consumers 25–50 ms the same way. Used by the segment
// indexes (sparse-index.ts) and the latency bench's stamps (bench/lib/stamp-log.ts).

/** Entries per chunk of a Column: 16 KiB of u32, 32 KiB of float64. */
const CHUNK_BITS = 12;
const CHUNK_ENTRIES = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ENTRIES - 1;
/** The first chunk starts this small and doubles up to CHUNK_ENTRIES: most columns are short (a segment's index). */
const FIRST_CHUNK_ENTRIES = 64;

/**
 * Numbers in chunks of CHUNK_ENTRIES. Only the first chunk grows (by doubling, to at most CHUNK_ENTRIES); entries
 * are written in order, index by index (set() of an entry already written, or of the one after the last).
 */
export class Column<T extends Uint32Array | Float64Array> {
  private readonly chunks: T[] = [];

  constructor(private readonly make: (entries: number) => T) {}

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }

  /** Writes entry `i`: an entry already written, or the one after the last written. */
  set(i: number, value: number): void {
    const c = i >>> CHUNK_BITS;
    const k = i & CHUNK_MASK;
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      chunk = this.make(c === 0 ? FIRST_CHUNK_ENTRIES : CHUNK_ENTRIES);
      this.chunks.push(chunk);
    } else if (k >= chunk.length) {
      const larger = this.make(Math.min(chunk.length * 2, CHUNK_ENTRIES));
      larger.set(chunk);
      chunk = larger;
      this.chunks[c] = chunk;
    }
    chunk[k] = value;
  }
}
