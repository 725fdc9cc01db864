// Where the latency benches' consumers keep each record's stamps (send time, arrival time, offset) while they
// measure. A plain array that grows by push() copies its whole backing store at every growth (×1.5), into
// memory it must fault in first: on this VM a consumer stalled 25–50 ms when its arrays passed ~260,000 and
// ~390,000 entries, at the same record count in Sluice's consumer and in the floor's, so those stalls landed
// in both sides' segments and set their p99 (bench/RESULTS.md, "the bench's own stamp arrays"). Chunks of a
// fixed size are never copied; a new one costs a few pages at a time.

const CHUNK_ENTRIES = 16 * 1024; // 128 KiB of float64: below glibc's mmap threshold, from its recycled heap

export class StampLog {
  private readonly full: Float64Array[] = [];
  private chunk = new Float64Array(CHUNK_ENTRIES);
  private used = 0;

  push(value: number): void {
    if (this.used === CHUNK_ENTRIES) {
      this.full.push(this.chunk);
      this.chunk = new Float64Array(CHUNK_ENTRIES);
      this.used = 0;
    }
    this.chunk[this.used++] = value;
  }

  get length(): number {
    return this.full.length * CHUNK_ENTRIES + this.used;
  }

  /** Every value pushed, in order (for the IPC answer: after measuring). */
  toArray(): number[] {
    const out = new Array<number>(this.length);
    let at = 0;
    for (const chunk of this.full) for (let i = 0; i < CHUNK_ENTRIES; i++) out[at++] = chunk[i]!;
    for (let i = 0; i < this.used; i++) out[at++] = this.chunk[i]!;
    return out;
  }
}
