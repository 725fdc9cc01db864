// The record-state changes of a share-partition since its last commit, kept as runs as they happen: an
// acquisition of a hundred consecutive records, or their acknowledgement, is one run (first offset, count
// and the state they took), not a hundred change objects to merge when the commit is encoded. The runs are
// in the order the changes happened; a later run overrides an earlier one for the same offset.
import type { PersistedRecordState, RecordState } from './record-state.js';

export interface ChangeRun {
  readonly offset: number;
  count: number;
  readonly deliveryCount: number;
  readonly state: RecordState;
  /** `waiting`: when it becomes available again; else 0. */
  readonly until: number;
  readonly error: string | null;
}

export class ChangeRuns {
  readonly runs: ChangeRun[] = [];

  /** The same changes as runs (consecutive offsets that took the same state one after the other merged). */
  static of(states: Iterable<PersistedRecordState>): ChangeRuns {
    const changes = new ChangeRuns();
    for (const s of states) changes.add(s.offset, s.deliveryCount, s.state, s.until, s.error);
    return changes;
  }

  get empty(): boolean {
    return this.runs.length === 0;
  }

  /** Record `offset` took this state: it extends the last run when it is the next offset in the same state. */
  add(offset: number, deliveryCount: number, state: RecordState, until: number, error: string | null): void {
    const last = this.runs[this.runs.length - 1];
    if (
      last !== undefined &&
      offset === last.offset + last.count &&
      deliveryCount === last.deliveryCount &&
      state === last.state &&
      until === last.until &&
      error === last.error
    ) {
      last.count++;
      return;
    }
    this.runs.push({ offset, count: 1, deliveryCount, state, until, error });
  }

  /** Every change, one per offset, in the order they happened. */
  *states(): IterableIterator<PersistedRecordState> {
    for (const run of this.runs)
      for (let offset = run.offset; offset < run.offset + run.count; offset++)
        yield { offset, deliveryCount: run.deliveryCount, state: run.state, until: run.until, error: run.error };
  }
}
