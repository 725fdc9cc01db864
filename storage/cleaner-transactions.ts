// What the cleaner knows of transactions during one run over a partition's cleanable segments (Kafka's
// CleanedTransactionMetadata, same rules):
//   - The run covers only offsets below the first open transaction, so every transactional batch it meets
//     has its marker written. A data batch is aborted when an aborted-transactions entry of its producer
//     spans its offsets (the .txnindex, txn-index.ts); otherwise it is committed.
//   - Aborted data is removed (an emptied batch that is its producer's last one stays empty, as for
//     compaction: its sequence numbers must survive). Committed data is compacted like any other record.
//   - A COMMIT or ABORT marker may go only when none of its transaction's data batches came before it in
//     this run (an earlier run removed them all) and delete.retention.ms has passed since a cleaning first
//     went past it (the tombstone horizon). A marker kept keeps its .txnindex entry; one removed takes its
//     entry with it.
// Batches are fed in offset order, every batch of the run once: data batches to `dataBatch`, markers to
// `marker`. `isAborted` answers without that order (the offset map is built from the dirty segments only).
import type { AbortedTransaction } from './producer-state.js';

export type TxnBatchFate = 'plain' | 'committed' | 'aborted';

export class CleanerTransactions {
  /** Producer id → its aborted transactions, by first offset. */
  readonly #aborted = new Map<number, AbortedTransaction[]>();
  /** Producers with a data batch of their current transaction seen since their last marker in this run. */
  readonly #dataSeen = new Set<number>();
  /** Marker offsets of aborted transactions whose markers this run removed (their index entries go too). */
  readonly removedAborts = new Set<number>();

  constructor(aborted: readonly AbortedTransaction[]) {
    for (const entry of aborted) {
      const list = this.#aborted.get(entry.producerId);
      if (list) list.push(entry);
      else this.#aborted.set(entry.producerId, [entry]);
    }
    for (const list of this.#aborted.values()) list.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** True when the transactional batch of `producerId` at `offset` belongs to an aborted transaction. */
  isAborted(producerId: number, offset: number): boolean {
    const list = this.#aborted.get(producerId);
    if (!list) return false;
    for (const entry of list) {
      if (entry.firstOffset > offset) return false;
      if (offset <= entry.lastOffset) return true;
    }
    return false;
  }

  /** A data batch, in offset order: whether it is outside any transaction, committed or aborted. */
  dataBatch(producerId: number, baseOffset: number, transactional: boolean): TxnBatchFate {
    if (!transactional) return 'plain';
    this.#dataSeen.add(producerId);
    return this.isAborted(producerId, baseOffset) ? 'aborted' : 'committed';
  }

  /**
   * A marker of `producerId` at `offset`, in offset order: true when it may be removed (no data of its
   * transaction before it in this run, and `pastHorizon`: delete.retention.ms has passed).
   */
  marker(producerId: number, offset: number, pastHorizon: boolean): boolean {
    const hadData = this.#dataSeen.delete(producerId);
    if (hadData || !pastHorizon) return false;
    if (this.isAborted(producerId, offset)) this.removedAborts.add(offset);
    return true;
  }
}
