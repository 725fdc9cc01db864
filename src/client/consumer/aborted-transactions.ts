// read_committed: the broker returns whole batches up to the last stable offset plus the list of aborted
// transactions overlapping them (producer id, first offset); the consumer drops their batches, as Kafka's
// clients do (Kafka's Fetcher/CompletedFetch):
//   - walking the batches in offset order, a transactional batch first makes every aborted transaction with
//     firstOffset ≤ the batch's last offset "open" for its producer;
//   - a data batch of a producer with an open aborted transaction is dropped;
//   - that producer's ABORT marker (a control batch) closes it: its later batches belong to a new transaction.
// One instance per fetched response and partition, fed every batch of it in order (chunks included).
import { CONTROL_TYPE_ABORT, readControlRecord } from '../../../storage/format/control-batch.js';
import { ATTR_CONTROL, ATTR_TRANSACTIONAL, type BatchHeader } from '../../../storage/format/record-batch.js';

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export class AbortedTransactionFilter {
  /** Aborted transactions not yet reached, by first offset. */
  readonly #pending: AbortedTransaction[];
  #next = 0;
  /** Producers whose aborted transaction is open at the current batch. */
  readonly #open = new Set<number>();

  constructor(aborted: readonly AbortedTransaction[]) {
    this.#pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /**
   * Whether the batch at `pos` of `bytes` (its header already validated) is dropped: true for the data of
   * an aborted transaction. Control batches are not data (the caller skips them anyway) and return true.
   */
  drops(bytes: Buffer, pos: number, header: BatchHeader): boolean {
    const { attributes, producerId } = header;
    if ((attributes & ATTR_TRANSACTIONAL) === 0) return (attributes & ATTR_CONTROL) !== 0;
    const lastOffset = header.baseOffset + header.lastOffsetDelta;
    while (this.#next < this.#pending.length && this.#pending[this.#next]!.firstOffset <= lastOffset)
      this.#open.add(this.#pending[this.#next++]!.producerId);
    if ((attributes & ATTR_CONTROL) !== 0) {
      if (readControlRecord(bytes, pos, pos + header.sizeInBytes)?.type === CONTROL_TYPE_ABORT)
        this.#open.delete(producerId);
      return true;
    }
    return this.#open.has(producerId);
  }
}
