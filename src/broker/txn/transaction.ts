// One transactional id's state (Kafka's TransactionMetadata) and the table of its allowed transitions.
// The coordinator (coordinator.ts) is its only caller, and changes it write-ahead: `propose` checks the
// transition and returns the next state, which is stored in `__transaction_state` first and applied with
// `apply` only once stored, so memory always equals a replay of the log.
//
//   Empty ──AddPartitions/AddOffsets──▶ Ongoing ──EndTxn(commit)──▶ PrepareCommit ──markers──▶ CompleteCommit
//                                          │                                                      │
//                                          └──EndTxn(abort), timeout, fencing──▶ PrepareAbort ──markers──▶ CompleteAbort
//   Complete* ──InitProducerId──▶ Empty;  Complete* ──AddPartitions──▶ Ongoing (the next transaction)
export const TXN_STATES = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
] as const;
export type TxnState = (typeof TXN_STATES)[number];

const TRANSITIONS: Readonly<Record<TxnState, readonly TxnState[]>> = {
  Empty: ['Empty', 'Ongoing'],
  Ongoing: ['Ongoing', 'PrepareCommit', 'PrepareAbort'],
  PrepareCommit: ['CompleteCommit'],
  PrepareAbort: ['CompleteAbort'],
  CompleteCommit: ['Empty', 'Ongoing'],
  CompleteAbort: ['Empty', 'Ongoing'],
};

export interface TxnPartition {
  topic: string;
  partition: number;
}

export interface PendingOffset {
  groupId: string;
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

export interface TransactionSnapshot {
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** Partitions written in the open transaction (markers go to each). */
  partitions: TxnPartition[];
  /** Offsets committed in the transaction (TxnOffsetCommit): given to the groups on commit, dropped on abort. */
  offsets: PendingOffset[];
  /** When the open transaction began (its first AddPartitions/AddOffsets), broker clock ms. */
  startMs: number;
  updateMs: number;
}

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
}

export class Transaction {
  readonly transactionalId: string;
  #current: TransactionSnapshot;

  constructor(transactionalId: string, initial: TransactionSnapshot) {
    this.transactionalId = transactionalId;
    this.#current = initial;
  }

  get state(): TxnState {
    return this.#current.state;
  }
  get producerId(): number {
    return this.#current.producerId;
  }
  get producerEpoch(): number {
    return this.#current.producerEpoch;
  }
  get snapshot(): Readonly<TransactionSnapshot> {
    return this.#current;
  }

  /** The state after `change`; throws InvalidTransitionError when the table does not allow it. Changes nothing. */
  propose(change: Partial<TransactionSnapshot> & { state: TxnState; updateMs: number }): TransactionSnapshot {
    const from = this.#current.state;
    if (!TRANSITIONS[from].includes(change.state))
      throw new InvalidTransitionError(`transaction ${this.transactionalId}: ${from} → ${change.state} is not allowed`);
    return { ...this.#current, ...change };
  }

  /** Takes a proposed state once `__transaction_state` holds it. */
  apply(next: TransactionSnapshot): void {
    this.#current = next;
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.#current.partitions.some((p) => p.topic === topic && p.partition === partition);
  }
}
