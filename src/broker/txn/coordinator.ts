// The transaction coordinator (Kafka's TransactionCoordinator) of a single node: every transactional id's
// state (transaction.ts), stored write-ahead in the internal topic `__transaction_state` and replayed on
// start. It hands out producer ids and epochs to transactional producers (an epoch bump fences the
// previous instance: a zombie's requests get PRODUCER_FENCED and its writes INVALID_PRODUCER_EPOCH from
// the partitions' markers), records the partitions and offsets of the open transaction, and ends it: the
// Prepare state is stored first (the decision), then the markers are written into every partition
// (markers.ts), the offsets handed to the groups on commit, and the Complete state stored.
//
// Concurrency: the operations on one transactional id run one at a time (a chain per id); different ids run
// side by side. A transaction left Prepare* (a marker write failed, or the broker was killed) is completed
// by the sweep that also aborts transactions open longer than their timeout, and at start.
//
// Cluster mode (`isCoordinator`): the coordinator serves only on the leader of `__transaction_state`.
// src/broker/cluster/coordinator-handover.ts loads it (start) when that leadership arrives and empties it
// (resign) when it leaves; requests meanwhile get NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS. Markers
// carry the partition's leader epoch as the coordinator epoch (Kafka's), so a later coordinator's are newer.
import type { Logger } from '../../../storage/index.js';
import { buildRecordBatchSync, decodeRecordBatches } from '../../records/index.js';
import { MAX_PRODUCER_EPOCH } from '../../protocol/index.js';
import { GroupError } from '../groups/errors.js';
import type { OffsetsLog } from '../groups/index.js';
import type { Scheduler, TimerHandle } from '../groups/index.js';
import { partitionKey } from '../partition-key.js';
import { TxnError } from './errors.js';
import type { MarkerWriter } from './markers.js';
import { decodeTxnRecord, encodeTxnKey, encodeTxnValue } from './state-codec.js';
import { type PendingOffset, Transaction, type TransactionSnapshot, type TxnPartition } from './transaction.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TxnCoordinatorConfig {
  /** Largest transaction timeout a producer may ask for (Kafka's transaction.max.timeout.ms, 15 minutes). */
  maxTimeoutMs: number;
  /** How often open transactions are checked against their timeout (Kafka's 10 s). */
  abortCheckIntervalMs: number;
  /**
   * A transactional id with no transaction open (Empty, Complete*) and no request for this long is forgotten
   * (Kafka's transactional.id.expiration.ms, 7 days): a tombstone in `__transaction_state`; a producer using
   * it again starts from a new producer id. Checked with the timeouts.
   */
  transactionalIdExpirationMs: number;
}

export const DEFAULT_TXN_COORDINATOR_CONFIG: TxnCoordinatorConfig = {
  maxTimeoutMs: 15 * 60_000,
  abortCheckIntervalMs: 10_000,
  transactionalIdExpirationMs: 7 * 24 * 3600_000,
};

export interface TxnCoordinatorOptions {
  log: OffsetsLog;
  producerIds: { allocate(): Promise<number> };
  markers: MarkerWriter;
  /** Stores a committed transaction's offsets for a group (they become visible to it only then). */
  commitOffsets(groupId: string, offsets: PendingOffset[]): Promise<void>;
  scheduler: Scheduler;
  logger: Logger;
  config?: Partial<TxnCoordinatorConfig>;
  /** Cluster mode: whether this broker leads `__transaction_state` now (absent on a single node: always). */
  isCoordinator?: () => boolean;
  /** Cluster mode: the epoch markers carry (the leader epoch of `__transaction_state`); 0 on a single node. */
  coordinatorEpoch?: () => number;
}

/** What InitProducerId gets back. */
export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

/** One transactional id as DescribeTransactions/ListTransactions and the tests see it. */
export interface TransactionView extends TransactionSnapshot {
  transactionalId: string;
}

export class TransactionCoordinator {
  readonly config: Readonly<TxnCoordinatorConfig>;
  readonly #options: TxnCoordinatorOptions;
  readonly #txns = new Map<string, Transaction>();
  /** Producer id → its transaction: an index for verifyTransactionalWrite, checked on use and rebuilt on a miss. */
  readonly #byProducerId = new Map<number, Transaction>();
  readonly #chains = new Map<string, Promise<unknown>>();
  /** resigned: another broker coordinates now (cluster mode); start() loads again when leadership returns. */
  #status: 'new' | 'loading' | 'ready' | 'resigned' | 'closed' = 'new';
  #sweepTimer: TimerHandle | null = null;
  #sweeping: Promise<void> | null = null;

  constructor(options: TxnCoordinatorOptions) {
    this.#options = options;
    this.config = Object.freeze({ ...DEFAULT_TXN_COORDINATOR_CONFIG, ...options.config });
  }

  /**
   * Replays `__transaction_state`, then completes the transactions a stop or crash left Prepare* and aborts
   * those open longer than their timeout. In cluster mode, again each time this broker becomes its leader.
   */
  async start(): Promise<void> {
    if (this.#status === 'closed') return;
    this.#status = 'loading';
    this.#txns.clear();
    this.#byProducerId.clear();
    let records = 0;
    for await (const chunk of this.#options.log.readAll()) {
      for (const batch of await decodeRecordBatches(chunk)) {
        for (const record of batch.records) {
          const entry = decodeTxnRecord(record.key, record.value);
          if (!entry) continue;
          records++;
          if (entry.value === null) this.#txns.delete(entry.transactionalId);
          else this.#txns.set(entry.transactionalId, new Transaction(entry.transactionalId, entry.value));
        }
      }
    }
    if (this.#status !== 'loading') return; // resigned or closed while loading
    this.#status = 'ready';
    this.#options.logger.info({ transactionalIds: this.#txns.size, records }, 'transaction coordinator loaded');
    this.#armSweep();
    await this.sweep();
  }

  /**
   * Cluster mode: another broker coordinates now. The sweep stops, operations under way are waited for
   * (their writes fail: this broker no longer leads the partition), and the state is forgotten (the new
   * coordinator loads it from the replicated `__transaction_state`).
   */
  async resign(): Promise<void> {
    if (this.#status === 'closed' || this.#status === 'resigned') return;
    this.#status = 'resigned';
    this.#sweepTimer?.cancel();
    this.#sweepTimer = null;
    await Promise.all([...this.#chains.values()].map((c) => c.catch(() => undefined)));
    await this.#sweeping?.catch(() => undefined);
    this.#txns.clear();
    this.#byProducerId.clear();
    this.#options.logger.info({}, 'transaction coordinator resigned: another broker leads __transaction_state');
  }

  get ready(): boolean {
    return this.#status === 'ready';
  }

  /** Whether this broker coordinates transactions now: always on a single node; in cluster mode, while it leads `__transaction_state`. */
  get coordinatesNow(): boolean {
    return !this.#options.isCoordinator || this.#options.isCoordinator();
  }

  /**
   * The partitions (partition-key.ts keys) for which `groupId` has offsets in a transaction not complete yet
   * (open, or committing): the group does not see them yet, so an OffsetFetch that requires stable offsets
   * (KIP-447) is answered UNSTABLE_OFFSET_COMMIT for these. Null when this broker cannot tell: it does not
   * coordinate transactions now (cluster mode: another broker leads `__transaction_state`) or is loading them.
   */
  pendingOffsetPartitions(groupId: string): ReadonlySet<string> | null {
    if (this.#status !== 'ready' || !this.coordinatesNow) return null;
    const pending = new Set<string>();
    for (const txn of this.#txns.values()) {
      const { state, offsets } = txn.snapshot;
      if (state !== 'Ongoing' && state !== 'PrepareCommit') continue;
      for (const o of offsets) if (o.groupId === groupId) pending.add(partitionKey(o.topic, o.partition));
    }
    return pending;
  }

  /** The state of one transactional id, or undefined. */
  describe(transactionalId: string): TransactionView | undefined {
    const txn = this.#txns.get(transactionalId);
    return txn ? { transactionalId, ...txn.snapshot } : undefined;
  }

  /**
   * KIP-890 (part 1), the partition leader's check before it appends a transactional batch: the producer
   * must have an open transaction that AddPartitionsToTxn gave this partition, else the data would hang
   * (no marker would ever end it). Null when the write may go on; a TxnError (INVALID_TXN_STATE, or
   * INVALID_PRODUCER_EPOCH for an older epoch) when not. Null too while the coordinator is loading: the
   * storage's own producer checks still apply then.
   */
  verifyTransactionalWrite(
    producerId: number,
    producerEpoch: number,
    topic: string,
    partition: number,
  ): TxnError | null {
    if (this.#status !== 'ready') return null;
    const txn = this.#transactionOfProducer(producerId);
    const where = `${topic}-${partition}`;
    if (!txn)
      return new TxnError(
        'INVALID_TXN_STATE',
        `${where}: producer ${producerId} has no transaction open here (no AddPartitionsToTxn)`,
      );
    if (producerEpoch < txn.producerEpoch)
      return new TxnError(
        'INVALID_PRODUCER_EPOCH',
        `${where}: producer ${producerId} epoch ${producerEpoch} is fenced by epoch ${txn.producerEpoch}`,
      );
    if (txn.state !== 'Ongoing' || !txn.hasPartition(topic, partition))
      return new TxnError(
        'INVALID_TXN_STATE',
        `${where}: transactional id '${txn.transactionalId}' did not add this partition to its transaction (state ${txn.state}): call AddPartitionsToTxn first`,
      );
    return null;
  }

  /** The transaction whose producer id this is: from the index, rebuilt from the table on a miss. */
  #transactionOfProducer(producerId: number): Transaction | undefined {
    const cached = this.#byProducerId.get(producerId);
    if (cached && cached.producerId === producerId && this.#txns.get(cached.transactionalId) === cached) return cached;
    this.#byProducerId.clear();
    for (const txn of this.#txns.values()) this.#byProducerId.set(txn.producerId, txn);
    return this.#byProducerId.get(producerId);
  }

  list(): TransactionView[] {
    return [...this.#txns.values()].map((t) => ({ transactionalId: t.transactionalId, ...t.snapshot }));
  }

  /**
   * A transactional producer starts (or restarts): a new producer id, or the id's next epoch, which fences
   * the previous instance; its open transaction is aborted, a Prepare* one completed first. `expected`
   * (KIP-360): the identity the caller has, which must still be the current one.
   */
  initProducerId(transactionalId: string, timeoutMs: number, expected?: ProducerIdentity): Promise<ProducerIdentity> {
    return this.#serial(transactionalId, async () => {
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > this.config.maxTimeoutMs) {
        throw new TxnError(
          'INVALID_TRANSACTION_TIMEOUT',
          `transaction timeout ${timeoutMs} ms is outside 1..${this.config.maxTimeoutMs} ms (transaction.max.timeout.ms)`,
        );
      }
      const now = this.#now();
      const txn = this.#txns.get(transactionalId);
      if (!txn) {
        const producerId = await this.#options.producerIds.allocate();
        const created = new Transaction(transactionalId, {
          producerId,
          producerEpoch: 0,
          timeoutMs,
          state: 'Empty',
          partitions: [],
          offsets: [],
          startMs: -1,
          updateMs: now,
        });
        await this.#store(transactionalId, created.snapshot);
        this.#txns.set(transactionalId, created);
        return { producerId, producerEpoch: 0 };
      }
      if (
        expected &&
        expected.producerId >= 0 &&
        (expected.producerId !== txn.producerId || expected.producerEpoch !== txn.producerEpoch)
      ) {
        throw new TxnError(
          'PRODUCER_FENCED',
          `transactional id ${transactionalId} belongs to producer ${txn.producerId} epoch ${txn.producerEpoch} now, not ${expected.producerId} epoch ${expected.producerEpoch}`,
        );
      }
      if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') await this.#complete(txn);
      if (txn.state === 'Ongoing') await this.#abort(txn, 'a new producer instance fenced the previous one');
      let producerId = txn.producerId;
      let producerEpoch = txn.producerEpoch + 1;
      if (producerEpoch > MAX_PRODUCER_EPOCH) {
        producerId = await this.#options.producerIds.allocate();
        producerEpoch = 0;
      }
      await this.#change(txn, {
        state: 'Empty',
        producerId,
        producerEpoch,
        timeoutMs,
        partitions: [],
        offsets: [],
        startMs: -1,
        updateMs: now,
      });
      return { producerId, producerEpoch };
    });
  }

  /** Partitions the producer is about to write in its transaction (markers will go to each). */
  addPartitions(transactionalId: string, identity: ProducerIdentity, partitions: TxnPartition[]): Promise<void> {
    return this.#serial(transactionalId, async () => {
      const txn = this.#current(transactionalId, identity);
      const missing = partitions.filter((p) => !txn.hasPartition(p.topic, p.partition));
      if (txn.state === 'Ongoing' && missing.length === 0) return;
      await this.#begin(txn, { partitions: [...this.#openPartitions(txn), ...dedupe(missing)] });
    });
  }

  /** The producer will commit a group's offsets in its transaction (AddOffsetsToTxn). */
  addOffsets(transactionalId: string, identity: ProducerIdentity, groupId: string): Promise<void> {
    return this.#serial(transactionalId, async () => {
      if (groupId === '') throw new TxnError('INVALID_REQUEST', 'groupId must not be empty');
      const txn = this.#current(transactionalId, identity);
      if (txn.state === 'Ongoing') return;
      await this.#begin(txn, { partitions: [] });
    });
  }

  /** Offsets of a group committed inside the transaction: visible to the group only once it commits. */
  commitOffsets(
    transactionalId: string,
    identity: ProducerIdentity,
    groupId: string,
    offsets: Array<Omit<PendingOffset, 'groupId'>>,
  ): Promise<void> {
    return this.#serial(transactionalId, async () => {
      const txn = this.#current(transactionalId, identity);
      if (txn.state !== 'Ongoing') {
        throw new TxnError(
          'INVALID_TXN_STATE',
          `transactional id ${transactionalId} has no open transaction (${txn.state}): call AddOffsetsToTxn first`,
        );
      }
      const replaced = (o: PendingOffset) =>
        o.groupId === groupId && offsets.some((n) => n.topic === o.topic && n.partition === o.partition);
      const next = [...txn.snapshot.offsets.filter((o) => !replaced(o)), ...offsets.map((o) => ({ ...o, groupId }))];
      await this.#change(txn, { state: 'Ongoing', offsets: next, updateMs: this.#now() });
    });
  }

  /** Commits or aborts the open transaction; resolves once its markers are written. */
  endTransaction(transactionalId: string, identity: ProducerIdentity, commit: boolean): Promise<void> {
    return this.#serial(transactionalId, async () => {
      const txn = this.#current(transactionalId, identity, { allowPrepare: true });
      const wanted = commit ? 'Commit' : 'Abort';
      switch (txn.state) {
        case 'Ongoing':
          await this.#change(txn, { state: `Prepare${wanted}`, updateMs: this.#now() });
          await this.#complete(txn);
          return;
        case 'PrepareCommit':
        case 'PrepareAbort':
        case 'CompleteCommit':
        case 'CompleteAbort':
          // A retry of the same decision completes it (or finds it complete); the other is a client error.
          if (txn.state.endsWith(wanted)) {
            if (txn.state.startsWith('Prepare')) await this.#complete(txn);
            return;
          }
          throw new TxnError(
            'INVALID_TXN_STATE',
            `transactional id ${transactionalId}: cannot ${wanted.toLowerCase()}, the transaction is ${txn.state}`,
          );
        case 'Empty':
          return; // nothing was written: there is nothing to end
      }
    });
  }

  /**
   * Aborts transactions open longer than their timeout (bumping the epoch: their producer is fenced),
   * completes transactions left Prepare*, and forgets transactional ids idle longer than
   * transactionalIdExpirationMs. Runs on a timer, and at start.
   */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweepNow().finally(() => (this.#sweeping = null));
    return this.#sweeping;
  }

  async close(): Promise<void> {
    this.#status = 'closed';
    this.#sweepTimer?.cancel();
    this.#sweepTimer = null;
    await Promise.all([...this.#chains.values()].map((c) => c.catch(() => undefined)));
    await this.#sweeping?.catch(() => undefined);
  }

  async #sweepNow(): Promise<void> {
    const now = this.#now();
    for (const txn of [...this.#txns.values()]) {
      if (this.#status !== 'ready') return;
      const { state, startMs, timeoutMs } = txn.snapshot;
      const expired = state === 'Ongoing' && now - startMs > timeoutMs;
      const unfinished = state === 'PrepareCommit' || state === 'PrepareAbort';
      if (this.#idle(txn, now)) {
        await this.#serial(txn.transactionalId, () => this.#expire(txn)).catch((err) =>
          this.#options.logger.warn(
            { err, transactionalId: txn.transactionalId },
            'could not expire an idle transactional id; retrying at the next check',
          ),
        );
        continue;
      }
      if (!expired && !unfinished) continue;
      await this.#serial(txn.transactionalId, async () => {
        if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') await this.#complete(txn);
        else if (txn.state === 'Ongoing' && this.#now() - txn.snapshot.startMs > txn.snapshot.timeoutMs)
          await this.#abort(txn, `open longer than its timeout of ${txn.snapshot.timeoutMs} ms`);
      }).catch((err) =>
        this.#options.logger.warn(
          { err, transactionalId: txn.transactionalId },
          'could not end a transaction; retrying at the next check',
        ),
      );
    }
  }

  /** No transaction open and no request for transactionalIdExpirationMs. */
  #idle(txn: Transaction, now: number): boolean {
    const { state, updateMs } = txn.snapshot;
    const settled = state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
    return settled && now - updateMs > this.config.transactionalIdExpirationMs;
  }

  /** Forgets an idle transactional id: a tombstone stored first, then the id dropped. */
  async #expire(txn: Transaction): Promise<void> {
    if (this.#txns.get(txn.transactionalId) !== txn || !this.#idle(txn, this.#now())) return;
    const batch = buildRecordBatchSync([
      { key: encodeTxnKey(txn.transactionalId), value: null, timestamp: this.#now() },
    ]);
    await this.#append(txn.transactionalId, batch);
    this.#txns.delete(txn.transactionalId);
    this.#options.logger.info(
      { transactionalId: txn.transactionalId, producerId: txn.producerId },
      'transactional id expired: idle longer than transactionalIdExpirationMs',
    );
  }

  #armSweep(): void {
    if (this.#status !== 'ready') return;
    this.#sweepTimer = this.#options.scheduler.schedule(this.config.abortCheckIntervalMs, () => {
      void this.sweep().finally(() => this.#armSweep());
    });
  }

  /** Aborts the open transaction with the next epoch, fencing its producer (the markers carry the new epoch). */
  async #abort(txn: Transaction, why: string): Promise<void> {
    this.#options.logger.info(
      { transactionalId: txn.transactionalId, producerId: txn.producerId, epoch: txn.producerEpoch },
      `aborting a transaction: ${why}`,
    );
    const producerEpoch = Math.min(txn.producerEpoch + 1, MAX_PRODUCER_EPOCH);
    await this.#change(txn, { state: 'PrepareAbort', producerEpoch, updateMs: this.#now() });
    await this.#complete(txn);
  }

  /** Prepare* → markers in every partition, offsets to the groups on commit → Complete*. */
  async #complete(txn: Transaction): Promise<void> {
    const { state, partitions, offsets, producerId, producerEpoch } = txn.snapshot;
    const commit = state === 'PrepareCommit';
    await this.#options.markers.write(partitions, {
      producerId,
      producerEpoch,
      commit,
      coordinatorEpoch: this.#options.coordinatorEpoch?.() ?? 0,
    });
    if (commit) {
      const byGroup = new Map<string, PendingOffset[]>();
      for (const o of offsets) byGroup.set(o.groupId, [...(byGroup.get(o.groupId) ?? []), o]);
      for (const [groupId, entries] of byGroup) await this.#options.commitOffsets(groupId, entries);
    }
    await this.#change(txn, {
      state: commit ? 'CompleteCommit' : 'CompleteAbort',
      partitions: [],
      offsets: [],
      updateMs: this.#now(),
    });
  }

  /** Empty/Complete* → Ongoing (a new transaction), or Ongoing → Ongoing with more partitions. */
  async #begin(txn: Transaction, change: { partitions: TxnPartition[] }): Promise<void> {
    const now = this.#now();
    const opening = txn.state !== 'Ongoing';
    await this.#change(txn, {
      state: 'Ongoing',
      partitions: change.partitions,
      ...(opening ? { offsets: [], startMs: now } : {}),
      updateMs: now,
    });
  }

  #openPartitions(txn: Transaction): TxnPartition[] {
    return txn.state === 'Ongoing' ? txn.snapshot.partitions : [];
  }

  /** The transaction of `transactionalId` if `identity` is its current producer (throws TxnError otherwise). */
  #current(transactionalId: string, identity: ProducerIdentity, options: { allowPrepare?: boolean } = {}): Transaction {
    this.#checkServing();
    const txn = this.#txns.get(transactionalId);
    if (!txn || txn.producerId !== identity.producerId) {
      throw new TxnError(
        'INVALID_PRODUCER_ID_MAPPING',
        `producer id ${identity.producerId} is not the producer of transactional id ${transactionalId}: call InitProducerId`,
      );
    }
    if (identity.producerEpoch < txn.producerEpoch) {
      throw new TxnError(
        'PRODUCER_FENCED',
        `producer ${identity.producerId} epoch ${identity.producerEpoch} was fenced by epoch ${txn.producerEpoch} of transactional id ${transactionalId}`,
      );
    }
    if (identity.producerEpoch > txn.producerEpoch) {
      throw new TxnError(
        'INVALID_PRODUCER_EPOCH',
        `producer ${identity.producerId} epoch ${identity.producerEpoch} is newer than the coordinator's ${txn.producerEpoch}`,
      );
    }
    if (!options.allowPrepare && (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort')) {
      throw new TxnError(
        'CONCURRENT_TRANSACTIONS',
        `transactional id ${transactionalId} is completing its transaction`,
      );
    }
    return txn;
  }

  /** Write-ahead: the next state is stored in `__transaction_state`, then applied. */
  async #change(txn: Transaction, change: Parameters<Transaction['propose']>[0]): Promise<void> {
    const next = txn.propose(change);
    await this.#store(txn.transactionalId, next);
    txn.apply(next);
  }

  async #store(transactionalId: string, snapshot: TransactionSnapshot): Promise<void> {
    const batch = buildRecordBatchSync([
      { key: encodeTxnKey(transactionalId), value: encodeTxnValue(snapshot), timestamp: snapshot.updateMs },
    ]);
    await this.#append(transactionalId, batch);
  }

  async #append(transactionalId: string, batch: Buffer): Promise<void> {
    try {
      await this.#options.log.append(batch);
    } catch (err) {
      // Cluster mode: the leadership moved under the write, or the in-sync replicas did not confirm it in
      // time (it may still be in the log: the next state written replaces it, each record is the whole state).
      if (err instanceof GroupError && err.problem === 'not-coordinator')
        throw new TxnError('NOT_COORDINATOR', `transactional id ${transactionalId}: ${err.message}`);
      if (err instanceof GroupError && err.problem === 'replication-timed-out')
        throw new TxnError('COORDINATOR_NOT_AVAILABLE', `transactional id ${transactionalId}: ${err.message}`);
      throw new TxnError(
        'KAFKA_STORAGE_ERROR',
        `cannot store the state of transactional id ${transactionalId}: ${(err as Error).message}`,
      );
    }
  }

  /** Throws the TxnError a request gets while this coordinator cannot serve (closed, not the leader, loading). */
  #checkServing(): void {
    if (this.#status === 'closed') throw new TxnError('COORDINATOR_NOT_AVAILABLE', 'the broker is stopping');
    if (!this.coordinatesNow)
      throw new TxnError('NOT_COORDINATOR', 'this broker does not lead __transaction_state now');
    if (this.#status !== 'ready')
      throw new TxnError('COORDINATOR_LOAD_IN_PROGRESS', 'the transaction coordinator is loading');
  }

  /** Runs `fn` after the operations on `transactionalId` before it, while this coordinator serves. */
  #serial<T>(transactionalId: string, fn: () => Promise<T>): Promise<T> {
    try {
      this.#checkServing();
    } catch (err) {
      return Promise.reject(err);
    }
    const previous = this.#chains.get(transactionalId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        this.#checkServing();
        return fn();
      });
    this.#chains.set(transactionalId, next);
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.#chains.get(transactionalId) === next) this.#chains.delete(transactionalId);
      });
    return next;
  }

  #now(): number {
    return this.#options.scheduler.now();
  }
}

function dedupe(partitions: TxnPartition[]): TxnPartition[] {
  const seen = new Set<string>();
  return partitions.filter((p) => {
    const key = `${p.topic}\u0000${p.partition}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
