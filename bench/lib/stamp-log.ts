// Where the latency benches' consumers keep each record's stamps (send time, arrival time, offset) while they
// measure: in a chunked Column (storage/column.ts). A plain array grown by push() copies its whole backing store
// at every growth (×1.5), into memory it must fault in first: on this VM a consumer stalled 25–50 ms when its
// arrays passed ~260,000 and ~390,000 entries, at the same record count in Sluice's consumer and in the floor's,
// so those stalls landed in both sides' segments and set their p99 (bench/RESULTS.md, "the bench's own stamp
// arrays").
import { Column } from '../../storage/column.js';

export class StampLog {
  private readonly values = new Column((n) => new Float64Array(n));
  length = 0;

  push(value: number): void {
    this.values.set(this.length++, value);
  }

  /** Every value pushed, in order (for the IPC answer: after measuring). */
  toArray(): number[] {
    return Array.from({ length: this.length }, (_, i) => this.values.get(i));
  }
}
