// The kafkajs-shaped producer. send()/sendBatch() validate and normalise their messages, pick each
// message's partition, and append the records to the accumulator synchronously — no per-record
// Promise; the caller's own promise settles when every batch holding its records is acknowledged.
// Sends whose topics have no metadata yet wait in `waiting`, in call order, so a later send can never
// overtake an earlier one while metadata loads. An idempotent producer (the default) also holds its first
// sends there until InitProducerId has given it its identity: every batch is stamped with it at seal.
// A transactional producer (transactionalId) sends only through producer.transaction(): its sends also wait
// there until AddPartitionsToTxn named their new partitions (transaction-manager.ts owns that protocol).
import { DefaultPartitioner, type Partitioner, type SendPartitioner } from '../../records/partitioners.js';
import { CompressionCodec } from '../../../storage/format/record-batch.js';
import { Cluster, type ClusterOptions } from '../cluster.js';
import { SluiceNonRetriableError, SluiceNotConnected, SluiceProtocolError } from '../errors.js';
import { InstrumentationEmitter, type InstrumentationEvent } from '../instrumentation.js';
import type { Logger } from '../logger.js';
import { networkEvents } from '../network-events.js';
import { createRetry, resolveRetryOptions, type Retrier, type RetryOptions } from '../retry.js';
import { InitProducerIdApi } from '../../protocol/apis/init-producer-id.js';
import { Accumulator } from './accumulator.js';
import type { PartitionQueue, ProducerIdentity } from './partition-queue.js';
import { PendingSend } from './pending-send.js';
import { hasQueueOptions, withQueueHeaders } from './queue-options.js';
import { Sender } from './sender.js';
import type { Transaction } from '../kafkajs-types.js';
import { TransactionManager, findCoordinator } from './transaction-manager.js';
import type { Message, ProducerBatch, ProducerConfig, ProducerRecord, RecordMetadata, TopicMessages } from './types.js';

export const ProducerEvents = {
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  ...networkEvents('producer'),
} as const;
type ProducerEventName = (typeof ProducerEvents)[keyof typeof ProducerEvents];

const DEFAULTS = {
  lingerMs: 0,
  batchSize: 256 * 1024,
  maxRequestSize: 16 * 1024 * 1024,
  maxInFlightRequests: 5,
  timeout: 30_000,
  transactionTimeout: 60_000,
};

/** The broker remembers this many batches per producer and partition (storage/producer-state.ts). */
const MAX_IDEMPOTENT_IN_FLIGHT = 5;

interface Waiting {
  send: PendingSend;
  topicMessages: TopicMessages[];
  /** A transaction's send: its partitions, chosen once, must be in the transaction before it is enqueued. */
  transactional: boolean;
  partitions: Int32Array[] | null;
}

export class Producer {
  readonly events = ProducerEvents;
  private readonly cluster: Cluster;
  private readonly accumulator: Accumulator;
  /** The partition buffer kept for one-topic sends (partitionsOfSend), and whether enqueue() is running. */
  private readonly chosen: Int32Array[] = [new Int32Array(16)];
  private enqueuing = false;
  private readonly sender: Sender;
  private readonly partitioner: Partitioner;
  private readonly retrier: Retrier;
  private readonly emitter: InstrumentationEmitter<ProducerEventName>;
  private readonly waiting: Waiting[] = [];
  private loadingMetadata = false;
  private connected = false;
  /** Idempotence: wanted by the config; `identity` is set once InitProducerId answered. */
  private idempotent: boolean;
  private identity: ProducerIdentity | null = null;
  private loadingIdentity = false;
  /** Transactional producers only. */
  private readonly txn: TransactionManager | null = null;
  private addingPartitions = false;

  constructor(
    clusterOptions: Omit<ClusterOptions, 'allowAutoTopicCreation'>,
    config: ProducerConfig,
    retry: RetryOptions | undefined,
    private readonly log: Logger,
  ) {
    this.cluster = new Cluster({
      ...clusterOptions,
      allowAutoTopicCreation: config.allowAutoTopicCreation ?? true,
      metadataMaxAge: config.metadataMaxAge ?? clusterOptions.metadataMaxAge,
    });
    const retryOptions = { ...retry, ...config.retry };
    this.retrier = createRetry(retryOptions);
    this.partitioner = (config.createPartitioner ?? DefaultPartitioner)();
    this.idempotent = config.idempotent ?? true;
    const { transactionalId } = config;
    if (transactionalId !== undefined && transactionalId !== null) {
      if (typeof transactionalId !== 'string' || transactionalId.length === 0)
        throw new SluiceNonRetriableError(`transactionalId must be a non-empty string, not ${String(transactionalId)}`);
      if (config.idempotent === false)
        throw new SluiceNonRetriableError(
          'Transactional producer must be idempotent: remove idempotent: false or the transactionalId',
        );
      const transactionTimeout = config.transactionTimeout ?? DEFAULTS.transactionTimeout;
      if (!Number.isInteger(transactionTimeout) || transactionTimeout < 1 || transactionTimeout > 0x7fff_ffff)
        throw new SluiceNonRetriableError(
          `transactionTimeout must be a positive integer of milliseconds, not ${transactionTimeout}`,
        );
      this.txn = new TransactionManager({
        transactionalId,
        transactionTimeout,
        cluster: this.cluster,
        retrier: this.retrier,
        logger: log,
      });
    }
    const maxInFlight = config.maxInFlightRequests ?? DEFAULTS.maxInFlightRequests;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
      throw new SluiceNonRetriableError(`maxInFlightRequests must be a positive integer, not ${maxInFlight}`);
    this.accumulator = new Accumulator({
      batchSize: config.batchSize ?? DEFAULTS.batchSize,
      onBuilt: () => this.sender.schedule(),
      identity: () => this.identity,
      transactional: this.txn !== null,
    });
    this.sender = new Sender(this.cluster, this.accumulator, {
      lingerMs: config.lingerMs ?? DEFAULTS.lingerMs,
      maxInFlightRequests: maxInFlight,
      // The broker remembers the last 5 batches per producer and partition: more in flight could not be deduplicated.
      maxInFlightPerPartition: this.idempotent ? Math.min(maxInFlight, MAX_IDEMPOTENT_IN_FLIGHT) : 1,
      freshIdentity: () => this.initProducerId(),
      brokenSequenceError: this.txn
        ? () =>
            new SluiceNonRetriableError(
              'a batch of the transaction was lost (its sequence broke): the transaction must be aborted',
            )
        : undefined,
      maxRequestSize: config.maxRequestSize ?? DEFAULTS.maxRequestSize,
      retry: resolveRetryOptions(retryOptions),
      logger: log,
    });
    this.emitter = new InstrumentationEmitter(Object.values(ProducerEvents), log, clusterOptions.network);
  }

  async connect(): Promise<void> {
    await this.retrier(() => this.cluster.connect());
    this.connected = true;
    this.emitter.emit(ProducerEvents.CONNECT, null);
  }

  /** Waits for records already sent to be acknowledged (or to fail), then closes the connections. */
  async disconnect(): Promise<void> {
    this.connected = false;
    await this.sender.flush();
    this.sender.close();
    await this.cluster.disconnect();
    this.emitter.emit(ProducerEvents.DISCONNECT, null);
  }

  /** True when batches carry sequences (idempotence wanted and the broker granted a producer id). */
  isIdempotent(): boolean {
    return this.identity !== null;
  }

  logger(): Logger {
    return this.log;
  }

  on(eventName: ProducerEventName, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.emitter.on(eventName, listener);
  }

  /**
   * Begins a transaction (kafkajs's API): its send/sendBatch/sendOffsets are committed or aborted together.
   * One transaction at a time; the first call initialises the transactional id (fencing older instances).
   */
  async transaction(): Promise<Transaction> {
    const txn = this.txn;
    if (!txn) throw new SluiceNonRetriableError('Must provide transactional id for transactional producer');
    if (!this.connected) throw new SluiceNotConnected('The producer is disconnected');
    if (txn.inTransaction)
      throw new SluiceNonRetriableError(
        'There is already an ongoing transaction for this producer. Please end the transaction before beginning another.',
      );
    if (await txn.prepare()) {
      this.accumulator.resetIdentities();
      this.identity = txn.identity;
    }
    txn.begin();
    let ended = false;
    const pending = new Set<Promise<unknown>>();
    const isActive = () => !ended && txn.inTransaction;
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        isActive()
          ? fn(...args)
          : Promise.reject(new SluiceNonRetriableError('Cannot continue to use transaction once ended'));
    const track = <R>(promise: Promise<R>): Promise<R> => {
      const settled = promise.then(
        () => {},
        () => {},
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
      return promise;
    };
    // The transaction's sends are all acknowledged or failed (and their batches out of the queues) before it ends.
    const settle = async () => {
      while (pending.size > 0) await Promise.all(pending);
      await this.sender.flush();
    };
    return {
      send: guard((record: ProducerRecord) => track(this.sendRecord(record, true))),
      sendBatch: guard((batch: ProducerBatch) => track(this.sendTo(batch, true))),
      sendOffsets: guard((offsets) =>
        track(txn.sendOffsets(offsets, () => findCoordinator(this.cluster, offsets.consumerGroupId, 0))),
      ),
      commit: guard(async () => {
        await txn.commit(settle);
        ended = true;
      }),
      abort: async () => {
        if (ended) throw new SluiceNonRetriableError('Cannot continue to use transaction once ended');
        await txn.abort(settle);
        ended = true;
      },
      isActive,
    };
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendRecord(record, false);
  }

  private sendRecord(record: ProducerRecord, transactional: boolean): Promise<RecordMetadata[]> {
    if (record === null || typeof record !== 'object')
      return Promise.reject(new SluiceNonRetriableError('send() needs a record object'));
    // An object of fixed shape (not rest/spread): send() is per event for many applications, and
    // objects built by rest/spread get slow shapes that every later property read pays for.
    return this.sendTo(
      {
        acks: record.acks,
        timeout: record.timeout,
        compression: record.compression,
        topicMessages: [{ topic: record.topic, messages: record.messages }],
      },
      transactional,
    );
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.sendTo(batch, false);
  }

  private sendTo(batch: ProducerBatch, transactional: boolean): Promise<RecordMetadata[]> {
    if (!this.connected) return Promise.reject(new SluiceNotConnected('The producer is disconnected'));
    const txn = this.txn;
    if (txn && !transactional)
      return Promise.reject(
        new SluiceNonRetriableError(
          'a transactional producer sends inside a transaction: use producer.transaction() and its send()/sendBatch()',
        ),
      );
    let acks: number, compression: CompressionCodec, topicMessages: TopicMessages[];
    try {
      ({ acks, compression, topicMessages } = validateBatch(batch, Date.now()));
      if (txn && acks === 0)
        throw new SluiceNonRetriableError('a transaction needs acknowledged sends: acks must be -1 or 1, not 0');
    } catch (err) {
      return Promise.reject(err);
    }
    const promise = new Promise<RecordMetadata[]>(this.takeSettlers);
    const resolve = this.settlers.resolve!;
    const reject = this.settlers.reject!;
    this.settlers.resolve = this.settlers.reject = null;
    const fail = txn
      ? (err: Error) => {
          txn.sendFailed(err);
          reject(err);
        }
      : reject;
    try {
      const send = new PendingSend(acks, batch.timeout ?? DEFAULTS.timeout, compression, resolve, fail);
      this.waiting.push({ send, topicMessages, transactional, partitions: null });
      this.pump();
    } catch (err) {
      reject(err as Error); // as a throw inside a promise's executor would
    }
    return promise;
  }

  /** A send's promise's settling functions, taken by takeSettlers (run by the Promise constructor at once). */
  private readonly settlers: {
    resolve: ((results: RecordMetadata[]) => void) | null;
    reject: ((error: Error) => void) | null;
  } = { resolve: null, reject: null };
  /** One executor for every send's promise: no closure made per send to reach its settling functions. */
  private readonly takeSettlers = (
    resolve: (results: RecordMetadata[]) => void,
    reject: (error: Error) => void,
  ): void => {
    this.settlers.resolve = resolve;
    this.settlers.reject = reject;
  };

  /** Moves waiting sends into the accumulator, in call order, as their topics' metadata becomes known. */
  private pump(): void {
    if (this.waiting.length > 0 && this.idempotent && !this.identity) {
      this.loadIdentity();
      // The first send's topics are looked up meanwhile, not one round trip after the producer id.
      const missing = this.missingTopics(this.waiting[0]!);
      if (missing) this.loadMetadata(this.waiting[0]!, missing);
      return;
    }
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      const missing = this.missingTopics(head);
      if (missing) {
        this.loadMetadata(head, missing);
        return;
      }
      if (head.transactional && !this.partitionsInTransaction(head)) return;
      this.waiting.shift();
      this.enqueue(head);
    }
  }

  /** Once per producer: InitProducerId, retried like metadata; a broker without the API means no idempotence. */
  private loadIdentity(): void {
    if (this.loadingIdentity) return;
    this.loadingIdentity = true;
    this.retrier(() => this.initProducerId()).then(
      (identity) => {
        this.loadingIdentity = false;
        this.identity = identity;
        this.pump();
      },
      (err: Error & { type?: string }) => {
        this.loadingIdentity = false;
        if (err.type === 'UNSUPPORTED_VERSION') {
          this.log.warn(
            'the broker does not support InitProducerId; producing without idempotence (one request per partition in flight)',
          );
          this.idempotent = false;
          this.sender.limitPartitionsToOneRequest();
        } else {
          this.waiting.shift()?.send.fail(err);
        }
        this.pump();
      },
    );
  }

  private async initProducerId(): Promise<ProducerIdentity> {
    const connection = await this.cluster.anyConnection();
    const response = await connection.send(InitProducerIdApi, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: -1,
      producerEpoch: -1,
    });
    if (response.errorCode !== 0) throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined);
    return { producerId: response.producerId, epoch: response.producerEpoch };
  }

  /**
   * A transaction's send may be enqueued once every partition it writes is in the transaction: its
   * partitions are chosen here, once (a keyless message's partition is not chosen twice), and the missing
   * ones added with AddPartitionsToTxn, after which the pump runs again. False while that is under way.
   */
  private partitionsInTransaction(head: Waiting): boolean {
    const txn = this.txn!;
    if (head.partitions === null) {
      try {
        head.partitions = head.topicMessages.map(({ topic, messages }) => this.partitionsFor(topic, messages));
      } catch (err) {
        this.waiting.shift();
        head.send.fail(err as Error);
        queueMicrotask(() => this.pump());
        return false;
      }
    }
    const wanted = new Map<string, Set<number>>();
    head.topicMessages.forEach(({ topic }, t) => {
      let set = wanted.get(topic);
      if (!set) wanted.set(topic, (set = new Set()));
      for (const p of head.partitions![t]!) set.add(p);
    });
    const missing = txn.missingPartitions(wanted);
    if (missing.size === 0) return true;
    if (this.addingPartitions) return false;
    this.addingPartitions = true;
    txn.addPartitions(missing).then(
      () => {
        this.addingPartitions = false;
        this.pump();
      },
      (err: Error) => {
        this.addingPartitions = false;
        if (this.waiting[0] === head) this.waiting.shift();
        head.send.fail(err);
        this.pump();
      },
    );
    return false;
  }

  /** The send's topics whose metadata is not known yet; null when all are. */
  private missingTopics(entry: Waiting): string[] | null {
    let missing: string[] | null = null;
    for (const t of entry.topicMessages) if (!this.cluster.topicMetadata(t.topic)) (missing ??= []).push(t.topic);
    return missing;
  }

  /** Looks up `topics`, the missing ones of `entry`; when that fails, `entry` fails (if it still waits). */
  private loadMetadata(entry: Waiting, topics: string[]): void {
    if (this.loadingMetadata) return;
    this.loadingMetadata = true;
    this.retrier(() => this.cluster.addTargetTopics(topics)).then(
      () => {
        this.loadingMetadata = false;
        this.pump();
      },
      (err: Error) => {
        this.loadingMetadata = false;
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1)[0]!.send.fail(err);
        this.pump();
      },
    );
  }

  /**
   * Encodes every message of the send into its partition's open batch, in message order (no per-record
   * object: the accumulator writes the record bytes straight away). Partitions are all chosen and checked
   * first, so a bad partition fails the send before any of its records is appended.
   */
  private enqueue(waiting: Waiting): void {
    // A partitioner (user code) may send from inside this call: only the outermost one uses the kept buffer.
    const outermost = !this.enqueuing;
    this.enqueuing = true;
    try {
      this.enqueueChosen(waiting, outermost);
    } finally {
      if (outermost) this.enqueuing = false;
    }
  }

  private enqueueChosen({ send, topicMessages, partitions }: Waiting, mayKeepBuffer: boolean): void {
    const now = Date.now();
    let partitionsOf: Int32Array[];
    try {
      partitionsOf = partitions ?? this.partitionsOfSend(topicMessages, mayKeepBuffer);
    } catch (err) {
      send.fail(err as Error);
      return;
    }
    try {
      for (let t = 0; t < topicMessages.length; t++) {
        const { topic, messages } = topicMessages[t]!;
        const partitions = partitionsOf[t]!;
        // The accumulator remembers the last queue asked for: a one-message send needs no map of its own.
        const queues: PartitionQueue[] | null = messages.length > 1 ? [] : null;
        for (let i = 0; i < messages.length; i++) {
          const partition = partitions[i]!;
          const q = queues
            ? (queues[partition] ??= this.accumulator.queue(topic, partition))
            : this.accumulator.queue(topic, partition);
          const message = messages[i]!;
          const ts = message.timestamp;
          const timestamp = ts === undefined || ts === null ? now : typeof ts === 'number' ? ts : Number(ts);
          this.accumulator.append(q, send, message.key ?? null, message.value, message.headers, timestamp);
        }
      }
    } catch (err) {
      // Only a message changed after validateBatch can get here (the encoder refused it): the send fails;
      // its records appended before this one are still sent.
      send.fail(err as Error);
    }
    send.seal();
    this.sender.schedule();
  }

  /**
   * Every message's partition per topic. A one-topic send's go into the buffer kept from send to send when
   * `mayKeepBuffer` (enqueue() uses them before it returns).
   */
  private partitionsOfSend(topicMessages: TopicMessages[], mayKeepBuffer: boolean): Int32Array[] {
    if (!mayKeepBuffer || topicMessages.length !== 1)
      return topicMessages.map(({ topic, messages }) => this.partitionsFor(topic, messages));
    const { topic, messages } = topicMessages[0]!;
    if (this.chosen[0]!.length < messages.length) this.chosen[0] = new Int32Array(messages.length);
    this.choosePartitions(topic, messages, this.chosen[0]!);
    return this.chosen;
  }

  /** Every message's partition, checked against the topic's partition count before anything is appended. */
  private partitionsFor(topic: string, messages: Message[]): Int32Array {
    const out = new Int32Array(messages.length);
    this.choosePartitions(topic, messages, out);
    return out;
  }

  /** partitionsFor into `out` (at least messages.length long). */
  private choosePartitions(topic: string, messages: Message[], out: Int32Array): void {
    const partitionMetadata = this.cluster.topicMetadata(topic)!.partitions;
    const count = partitionMetadata.length;
    const partitionAll = (this.partitioner as Partial<SendPartitioner>).partitionAll;
    const placed = partitionAll ? partitionAll(topic, partitionMetadata, messages, out) : 0;
    for (let i = 0; i < placed; i++) {
      const partition = out[i]!;
      if (partition < 0 || partition >= count) throw unknownPartition(topic, count, partition);
    }
    for (let i = placed; i < messages.length; i++) {
      const message = messages[i]!;
      const partition = Number.isInteger(message.partition)
        ? message.partition!
        : this.partitioner({ topic, partitionMetadata, message });
      if (!Number.isInteger(partition) || partition < 0 || partition >= count)
        throw unknownPartition(topic, count, partition);
      out[i] = partition;
    }
  }
}

function unknownPartition(topic: string, count: number, partition: unknown): SluiceProtocolError {
  return new SluiceProtocolError(
    'UNKNOWN_TOPIC_OR_PARTITION',
    `topic ${topic} has ${count} partitions; partition ${String(partition)} does not exist`,
  );
}

/**
 * Checks a send and returns its messages normalised: a message with queue options (delayMs, deliverAt,
 * priority) is replaced by a copy carrying their headers; the others, and the caller's arrays, are kept.
 */
function validateBatch(
  batch: ProducerBatch,
  now: number,
): { acks: number; compression: CompressionCodec; topicMessages: TopicMessages[] } {
  const acks = batch.acks ?? -1;
  if (acks !== -1 && acks !== 0 && acks !== 1)
    throw new SluiceNonRetriableError(`acks must be -1, 0 or 1, not ${acks}`);
  const compression = (batch.compression ?? CompressionCodec.None) as number;
  if (!Number.isInteger(compression) || compression < 0 || compression > 4)
    throw new SluiceNonRetriableError(`unknown compression type ${compression}`);
  if (!Array.isArray(batch.topicMessages) || batch.topicMessages.length === 0)
    throw new SluiceNonRetriableError('sendBatch needs a non-empty topicMessages array');
  let topicMessages = batch.topicMessages;
  for (let t = 0; t < batch.topicMessages.length; t++) {
    const { topic, messages } = batch.topicMessages[t]!;
    if (typeof topic !== 'string' || topic.length === 0)
      throw new SluiceNonRetriableError(`Invalid topic ${String(topic)}`);
    if (!Array.isArray(messages) || messages.length === 0)
      throw new SluiceNonRetriableError(`Invalid messages array [${String(messages)}] for topic "${topic}"`);
    for (const m of messages) {
      if (m === null || typeof m !== 'object' || m.value === undefined)
        throw new SluiceNonRetriableError(`Invalid message without value for topic "${topic}"`);
      // What the encoder would refuse, refused here, before any record of the send is appended.
      if (!isBytes(m.value) || (m.key !== undefined && !isBytes(m.key))) {
        throw new SluiceNonRetriableError(
          `Invalid message for topic "${topic}": key and value must be Buffers, strings or null`,
        );
      }
      const ts = m.timestamp;
      if (ts !== undefined && ts !== null && !Number.isSafeInteger(typeof ts === 'number' ? ts : Number(ts))) {
        throw new SluiceNonRetriableError(
          `Invalid message timestamp ${String(ts)} for topic "${topic}": not an integer number of milliseconds`,
        );
      }
      if (m.headers !== undefined && m.headers !== null) checkHeaders(m.headers, topic);
    }
    const normalised = withQueueOptionsApplied(messages, topic, now);
    if (normalised !== messages) {
      if (topicMessages === batch.topicMessages) topicMessages = batch.topicMessages.slice();
      topicMessages[t] = { topic, messages: normalised };
    }
  }
  return { acks, compression, topicMessages };
}

/** `messages` itself when none has queue options, else a copy with those messages replaced. */
function withQueueOptionsApplied(messages: Message[], topic: string, now: number): Message[] {
  let out = messages;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (!hasQueueOptions(m)) continue;
    if (out === messages) out = messages.slice();
    out[i] = withQueueHeaders(m, topic, now);
  }
  return out;
}

function isBytes(v: unknown): boolean {
  return v === null || typeof v === 'string' || v instanceof Uint8Array;
}

/** Header values: Buffers, strings, null/undefined (a null header value), or arrays of those (a repeated key). */
function checkHeaders(headers: Message['headers'], topic: string): void {
  if (typeof headers !== 'object')
    throw new SluiceNonRetriableError(`Invalid message headers for topic "${topic}": not an object`);
  for (const key of Object.keys(headers!)) {
    const value = headers![key];
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v !== undefined && !isBytes(v))
        throw new SluiceNonRetriableError(
          `Invalid header "${key}" for topic "${topic}": values must be Buffers, strings or null`,
        );
    }
  }
}
