// The transactional producer's side of Kafka's transaction protocol (KIP-98), the one owner of its state.
// kafkajs calls this the EOS manager; the states and calls follow Kafka's TransactionManager:
//
//   Uninitialized ──init──▶ Ready ──begin──▶ Transacting ──commit──▶ Committing ──▶ Ready
//                                                │  ╲──abort──▶ Aborting ──▶ Ready (re-initialised after an error)
//                                                ╰──a send failed──▶ AbortableError ──abort──▶ Aborting
//   any state ──PRODUCER_FENCED / INVALID_PRODUCER_EPOCH──▶ Fenced (final: a newer instance owns the id)
//
// The coordinator of the transactional id (FindCoordinator key type 1) answers InitProducerId (the id's
// producer id at a new epoch, which fences every older instance), AddPartitionsToTxn (before the first
// batch of a partition is sent), AddOffsetsToTxn (before TxnOffsetCommit, which goes to the group's own
// coordinator) and EndTxn. A transaction that wrote nothing and sent no offsets ends without EndTxn.
import {
  AddOffsetsToTxnApi,
  AddPartitionsToTxnApi,
  type ApiSpec,
  EndTxnApi,
  ErrorCode,
  FindCoordinatorApi,
  InitProducerIdApi,
  TxnOffsetCommitApi,
} from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import type { Connection } from '../connection.js';
import { SluiceNonRetriableError, SluiceProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Retrier } from '../retry.js';
import type { ProducerIdentity } from './partition-queue.js';

export enum TxnState {
  Uninitialized,
  Ready,
  Transacting,
  Committing,
  Aborting,
  AbortableError,
  Fenced,
}

const TXN_TRANSITIONS: Readonly<Record<TxnState, readonly TxnState[]>> = {
  [TxnState.Uninitialized]: [TxnState.Ready, TxnState.Fenced],
  [TxnState.Ready]: [TxnState.Transacting, TxnState.Fenced],
  [TxnState.Transacting]: [TxnState.Committing, TxnState.Aborting, TxnState.AbortableError, TxnState.Fenced],
  [TxnState.Committing]: [TxnState.Ready, TxnState.AbortableError, TxnState.Fenced],
  [TxnState.AbortableError]: [TxnState.Aborting, TxnState.Fenced],
  [TxnState.Aborting]: [TxnState.Ready, TxnState.AbortableError, TxnState.Fenced],
  [TxnState.Fenced]: [],
};

/** Codes meaning a newer producer with the same transactional id exists: nothing more can be done with this one. */
const FENCING_CODES: ReadonlySet<number> = new Set([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
]);
/** Codes after which the coordinator must be looked up again. */
const STALE_COORDINATOR_CODES: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
]);

/** kafkajs's shape of sendOffsets()'s argument; offsets are decimal strings (numbers are accepted). */
export interface TransactionOffsets {
  consumerGroupId: string;
  topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string | number }> }>;
}

export interface TransactionManagerOptions {
  transactionalId: string;
  /** Transaction timeout (ms): the coordinator aborts a transaction open longer than this. */
  transactionTimeout: number;
  cluster: Cluster;
  retrier: Retrier;
  logger: Logger;
}

export class TransactionManager {
  #state = TxnState.Uninitialized;
  #identity: ProducerIdentity | null = null;
  /** Partitions added to the open transaction, as "topic\0partition". */
  readonly #partitions = new Set<string>();
  #offsetsAdded = false;
  /** The first send of the open transaction that failed: the transaction can only be aborted. */
  #error: Error | null = null;
  /** The abort ended a transaction that had an error: the next one starts with a new epoch. */
  #needsNewEpoch = false;
  #coordinator: Promise<Connection> | null = null;
  readonly #options: TransactionManagerOptions;

  constructor(options: TransactionManagerOptions) {
    this.#options = options;
  }

  get state(): TxnState {
    return this.#state;
  }
  get identity(): ProducerIdentity | null {
    return this.#identity;
  }
  get transactionalId(): string {
    return this.#options.transactionalId;
  }
  get inTransaction(): boolean {
    return this.#state === TxnState.Transacting;
  }

  /**
   * Ready for a new transaction: InitProducerId (the first time, and after a transaction that failed) gives
   * the identity every batch is stamped with, at an epoch that fences older instances of the id.
   * Returns true when the identity is new (batches must restart their sequences).
   */
  async prepare(): Promise<boolean> {
    this.#throwIfFenced();
    if (this.#state === TxnState.Ready && !this.#needsNewEpoch) return false;
    if (this.#state !== TxnState.Uninitialized && this.#state !== TxnState.Ready)
      throw new SluiceNonRetriableError(`cannot begin a transaction while ${TxnState[this.#state]}`);
    this.#identity = await this.#options.retrier(async (bail) => {
      const response = await this.#sendToCoordinator(InitProducerIdApi, {
        transactionalId: this.#options.transactionalId,
        transactionTimeoutMs: this.#options.transactionTimeout,
        producerId: -1,
        producerEpoch: -1,
      });
      this.#check(response.errorCode, response.errorMessage, bail);
      return { producerId: response.producerId, epoch: response.producerEpoch };
    });
    this.#needsNewEpoch = false;
    if (this.#state === TxnState.Uninitialized) this.#enter(TxnState.Ready);
    this.#options.logger.debug('transactional producer initialised', {
      transactionalId: this.#options.transactionalId,
      producerId: this.#identity.producerId,
      epoch: this.#identity.epoch,
    });
    return true;
  }

  begin(): void {
    this.#enter(TxnState.Transacting);
    this.#partitions.clear();
    this.#offsetsAdded = false;
    this.#error = null;
  }

  /** The partitions of `wanted` (topic → partitions) not yet in the open transaction. */
  missingPartitions(wanted: ReadonlyMap<string, Iterable<number>>): Map<string, number[]> {
    const missing = new Map<string, number[]>();
    for (const [topic, partitions] of wanted) {
      for (const partition of partitions) {
        if (this.#partitions.has(`${topic}\0${partition}`)) continue;
        let list = missing.get(topic);
        if (!list) missing.set(topic, (list = []));
        if (!list.includes(partition)) list.push(partition);
      }
    }
    return missing;
  }

  /** AddPartitionsToTxn for partitions about to receive the transaction's first batch. */
  async addPartitions(partitions: ReadonlyMap<string, number[]>): Promise<void> {
    this.#throwUnlessTransacting();
    const identity = this.#identity!;
    await this.#options.retrier(async (bail) => {
      const response = await this.#sendToCoordinator(AddPartitionsToTxnApi, {
        transactionalId: this.#options.transactionalId,
        producerId: identity.producerId,
        producerEpoch: identity.epoch,
        topics: [...partitions].map(([name, list]) => ({ name, partitions: list })),
      });
      for (const topic of response.results)
        for (const p of topic.partitions)
          this.#check(p.errorCode, p.errorMessage, bail, `${topic.name}-${p.partition}`);
    });
    for (const [topic, list] of partitions) for (const p of list) this.#partitions.add(`${topic}\0${p}`);
  }

  /** A send of the open transaction failed for good: the transaction can only be aborted now. */
  sendFailed(error: Error): void {
    if (isFencing(error)) {
      if (this.#state !== TxnState.Fenced) this.#enter(TxnState.Fenced);
      this.#error = error;
      return;
    }
    this.#error ??= error;
  }

  /** AddOffsetsToTxn at the transaction's coordinator, then TxnOffsetCommit at the group's. */
  async sendOffsets({ consumerGroupId, topics }: TransactionOffsets, groupConnection: () => Promise<Connection>) {
    this.#throwUnlessTransacting();
    if (typeof consumerGroupId !== 'string' || consumerGroupId.length === 0)
      throw new SluiceNonRetriableError('sendOffsets needs a consumerGroupId');
    if (!Array.isArray(topics)) throw new SluiceNonRetriableError('sendOffsets needs a topics array');
    const offsets = topics.map(({ topic, partitions }) => {
      if (typeof topic !== 'string' || !Array.isArray(partitions))
        throw new SluiceNonRetriableError('sendOffsets: each entry needs a topic and a partitions array');
      return {
        name: topic,
        partitions: partitions.map(({ partition, offset }) => {
          const value = Number(offset);
          if (!Number.isInteger(partition) || partition < 0 || !Number.isSafeInteger(value) || value < 0)
            throw new SluiceNonRetriableError(
              `sendOffsets: invalid offset ${String(offset)} for ${topic} partition ${String(partition)}`,
            );
          return { partition, offset: value, metadata: null };
        }),
      };
    });
    const identity = this.#identity!;
    const { transactionalId } = this.#options;
    await this.#options.retrier(async (bail) => {
      const response = await this.#sendToCoordinator(AddOffsetsToTxnApi, {
        transactionalId,
        producerId: identity.producerId,
        producerEpoch: identity.epoch,
        groupId: consumerGroupId,
      });
      this.#check(response.errorCode, response.errorMessage, bail);
    });
    this.#offsetsAdded = true;
    await this.#options.retrier(async (bail) => {
      const response = await (await groupConnection()).send(TxnOffsetCommitApi, {
        transactionalId,
        groupId: consumerGroupId,
        producerId: identity.producerId,
        producerEpoch: identity.epoch,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: offsets,
      });
      for (const topic of response.topics)
        for (const p of topic.partitions)
          this.#check(p.errorCode, p.errorMessage, bail, `${topic.name}-${p.partition}`);
    });
  }

  /** Ends the open transaction once its sends settled (`settle`): commits it unless one of them failed. */
  async commit(settle: () => Promise<void>): Promise<void> {
    this.#throwUnlessTransacting();
    this.#enter(TxnState.Committing);
    await settle();
    if (this.#error) {
      if (this.#state !== TxnState.Fenced) this.#enter(TxnState.AbortableError);
      throw new SluiceNonRetriableError(
        `the transaction cannot commit: a send failed (${this.#error.message}); abort it`,
        { cause: this.#error },
      );
    }
    await this.#end(true, TxnState.AbortableError);
  }

  /** Aborts the open transaction (or one that failed) once its sends settled. */
  async abort(settle: () => Promise<void>): Promise<void> {
    this.#throwIfFenced();
    if (this.#state !== TxnState.Transacting && this.#state !== TxnState.AbortableError)
      throw new SluiceNonRetriableError(`cannot abort: no transaction is open (${TxnState[this.#state]})`);
    this.#enter(TxnState.Aborting);
    await settle();
    if (this.#error) this.#needsNewEpoch = true;
    await this.#end(false, TxnState.AbortableError);
  }

  async #end(committed: boolean, onFailure: TxnState): Promise<void> {
    if (this.#partitions.size === 0 && !this.#offsetsAdded) {
      this.#enter(TxnState.Ready);
      return;
    }
    const identity = this.#identity!;
    try {
      await this.#options.retrier(async (bail) => {
        const response = await this.#sendToCoordinator(EndTxnApi, {
          transactionalId: this.#options.transactionalId,
          producerId: identity.producerId,
          producerEpoch: identity.epoch,
          committed,
        });
        this.#check(response.errorCode, response.errorMessage, bail);
      });
    } catch (err) {
      if (this.#state !== TxnState.Fenced) {
        this.#error ??= err as Error;
        this.#enter(onFailure);
      }
      throw err;
    }
    this.#enter(TxnState.Ready);
  }

  /**
   * Throws the broker's error for `code` (nothing when 0): fencing errors move to Fenced and bail; a stale
   * coordinator is looked up again on the retry.
   */
  #check(code: number, message: string | null | undefined, bail: (e: Error) => never, where?: string): void {
    if (code === ErrorCode.NONE) return;
    const text = message ?? undefined;
    // The partition named once: the broker's message may name it already.
    const error = new SluiceProtocolError(code, where && text && !text.includes(where) ? `${where}: ${text}` : text);
    if (FENCING_CODES.has(code)) {
      if (this.#state !== TxnState.Fenced) this.#enter(TxnState.Fenced);
      this.#error = error;
      bail(error);
    }
    if (STALE_COORDINATOR_CODES.has(code)) this.#coordinator = null;
    throw error;
  }

  /** Sends to the coordinator; a request that fails (a lost connection: a coordinator gone) looks it up again next time. */
  async #sendToCoordinator<Req, Res>(api: ApiSpec<Req, Res>, request: Req): Promise<Res> {
    const found = this.#coordinatorConnection();
    try {
      return await (await found).send(api, request);
    } catch (err) {
      if (this.#coordinator === found) this.#coordinator = null;
      throw err;
    }
  }

  #coordinatorConnection(): Promise<Connection> {
    this.#coordinator ??= findCoordinator(this.#options.cluster, this.#options.transactionalId, 1);
    const found = this.#coordinator;
    found.catch(() => {
      if (this.#coordinator === found) this.#coordinator = null;
    });
    return found;
  }

  #throwIfFenced(): void {
    if (this.#state === TxnState.Fenced)
      throw new SluiceProtocolError(
        ErrorCode.PRODUCER_FENCED,
        `transactional id ${this.#options.transactionalId} is used by a newer producer: this one is fenced`,
      );
  }

  #throwUnlessTransacting(): void {
    this.#throwIfFenced();
    if (this.#state !== TxnState.Transacting)
      throw new SluiceNonRetriableError('Cannot continue to use transaction once ended');
  }

  #enter(next: TxnState): void {
    if (!TXN_TRANSITIONS[this.#state].includes(next))
      throw new SluiceNonRetriableError(`transaction: cannot go from ${TxnState[this.#state]} to ${TxnState[next]}`);
    this.#state = next;
  }
}

function isFencing(error: Error): boolean {
  let e: unknown = error;
  while (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && FENCING_CODES.has(code)) return true;
    e = e.cause;
  }
  return false;
}

/** The coordinator of `key` (key type 0: a group, 1: a transactional id), reached through a known broker. */
export async function findCoordinator(cluster: Cluster, key: string, keyType: 0 | 1): Promise<Connection> {
  const any = await cluster.anyConnection();
  const r = await any.send(FindCoordinatorApi, { key, keyType });
  if (r.errorCode !== 0) throw new SluiceProtocolError(r.errorCode, r.errorMessage ?? undefined);
  // A broker bound to a wildcard address advertises it; reach it through the host we already use.
  if (r.host === '0.0.0.0' || r.host === '::' || `${r.host}:${r.port}` === any.broker) return any;
  return cluster.connectionTo({ host: r.host, port: r.port });
}
