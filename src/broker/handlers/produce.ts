// Produce: one storage append per partition per request, partitions appended concurrently. The record
// bytes are the request frame's tail (zero-copy views). Each partition's bytes are first checked against
// the topic's batch policy (src/records/batch-validation.ts: attributes, counts, every record, compressed
// payloads, timestamps), so nothing is stored that a consumer cannot read; storage then walks the batch
// headers once, refusing a batch over max.message.bytes before its CRC, validates CRCs and offset density,
// and patches base offsets.
//
// acks=0 → no response frame; acks=1 and acks=-1 → answer once storage's append resolved, i.e. after
// the topic's flush policy (fsync for flush=always, group-committed across concurrent produces). In cluster
// mode acks=-1 also waits for the in-sync replicas (src/broker/cluster/replica-manager.ts), up to the
// request's timeoutMs (REQUEST_TIMED_OUT), and is refused (NOT_ENOUGH_REPLICAS) when the ISR is below
// min.insync.replicas.
//
// Per-request cost: a topic that exists is looked up synchronously, batches without compression are checked
// synchronously, and results are gathered with Promise.all only where there is more than one; the common
// produce (one topic, one partition) waits on its append's promise alone, with no extra promise hops
// between the append and the response.
import type { AppendResult, PartitionLog } from '../../../storage/index.js';
import {
  ErrorCode,
  ProduceApi,
  type ProducePartitionResult,
  type ProduceRequest,
  type ProduceResponse,
} from '../../protocol/index.js';
import { validateProducedBatches } from '../../records/batch-validation.js';
import { produceChannel, type ProduceEvent } from '../diagnostics.js';
import type { Topic } from '../registries/topics.js';
import { partitionError, toPartitionError, wireErrorOf, type PartitionError } from './storage-errors.js';
import { stillVerifiedTransactionalWrite, unverifiedTransactionalWrite } from './txn-verification.js';
import { type Answer, defineHandler, NO_RESPONSE, type BrokerContext, type RequestContext } from './types.js';
import { allowed, denied, mayCreateTopic } from '../security/acl/authorize.js';
import { isInternalTopicName } from '../security/acl/internal-topics.js';
import { notLeaderError } from '../cluster/leadership.js';

type TopicResult = ProduceResponse['topics'][number];

function failed(partition: number, error: PartitionError): ProducePartitionResult {
  return { partition, ...error, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 };
}

/** Promise.all, without a promise for a single value nor for values that are all ready. */
function gather<T>(values: Array<T | Promise<T>>): T[] | Promise<T[]> {
  if (values.length === 1) {
    const only = values[0]!;
    return only instanceof Promise ? only.then((value) => [value]) : [only];
  }
  return values.some((v) => v instanceof Promise) ? Promise.all(values) : (values as T[]);
}

/**
 * Appends to a partition are called in the order their requests reached this handler, as Kafka handles a
 * connection's requests one at a time: a client pipelining produces (librdkafka, kcat -P) must find its
 * batches stored in the order it sent them. A produce checked off the event loop (compressed batches, a
 * transaction to verify, cluster mode: appendToLog) takes its partition's turn on arrival and hands it on
 * once it has called append (or given up); a later produce to that partition, however quickly checked,
 * calls append only after that. Storage then keeps call order.
 */
class AppendTurns {
  /** Per partition, the turn of the last produce that has not called append yet. */
  readonly #last = new WeakMap<PartitionLog, Promise<void>>();

  /** Whether a produce to this partition has yet to call append (a new one must then wait its turn). */
  busy(log: PartitionLog): boolean {
    return this.#last.has(log);
  }

  /**
   * Takes the next turn: `previous` settles once every produce before has called append (or given up); call
   * `done` once yours has (idempotent). The turn passes on when both happened: a produce refused early
   * does not let the next one overtake the one before it.
   */
  take(log: PartitionLog): { previous: Promise<void> | undefined; done: () => void } {
    const previous = this.#last.get(log);
    let done!: () => void;
    const own = new Promise<void>((resolve) => {
      done = resolve;
    });
    const mine = previous ? previous.then(() => own) : own;
    this.#last.set(log, mine);
    void mine.then(() => {
      if (this.#last.get(log) === mine) this.#last.delete(log);
    });
    return { previous, done };
  }
}

/** Keyed by log object: brokers in one process (tests) never share one. */
const turns = new AppendTurns();

/**
 * The usual append (a single broker, batches checked synchronously, no transaction to verify, no produce to
 * the partition still being checked) answered in one continuation of storage's append; anything else is
 * appendToLog's.
 */
function appendTo(
  log: PartitionLog,
  partition: number,
  records: Buffer,
  topic: Topic,
  request: ProduceRequest,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<ProducePartitionResult> {
  if (broker.cluster || broker.clusterTransactions || turns.busy(log))
    return appendToLog(log, partition, records, topic, request, broker, ctx);
  let checking: Promise<void> | undefined;
  let verifying: ReturnType<typeof unverifiedTransactionalWrite>;
  try {
    checking = validateProducedBatches(records, topic.batchPolicy, broker.clock.now());
    verifying = checking ? null : unverifiedTransactionalWrite(records, log.topic, partition, broker);
  } catch (error) {
    broker.waiters.notify(log.topic, partition);
    return Promise.resolve(refusedAppend(log, partition, error, ctx));
  }
  if (checking || verifying instanceof Promise)
    return appendToLog(log, partition, records, topic, request, broker, ctx, checking ?? null);
  if (verifying !== null) {
    // Refused by the transaction state (checked here already: appendToLog would check it again).
    broker.waiters.notify(log.topic, partition);
    return Promise.resolve(failed(partition, verifying));
  }
  return log.append(records, { maxBatchBytes: topic.maxMessageBytes }).then(
    (result) => {
      broker.waiters.notify(log.topic, partition);
      return appended(log, partition, records, result);
    },
    (error: unknown) => {
      broker.waiters.notify(log.topic, partition);
      return refusedAppend(log, partition, error, ctx);
    },
  );
}

function appended(log: PartitionLog, partition: number, records: Buffer, result: AppendResult): ProducePartitionResult {
  if (produceChannel.hasSubscribers) {
    const event: ProduceEvent = {
      topic: log.topic,
      partition,
      bytes: records.length,
      records: result.recordCount,
      errorCode: ErrorCode.NONE,
    };
    produceChannel.publish(event);
  }
  return {
    partition,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    baseOffset: result.baseOffset,
    logAppendTime: result.logAppendTime,
    logStartOffset: log.logStartOffset,
  };
}

function refusedAppend(log: PartitionLog, partition: number, error: unknown, ctx: RequestContext) {
  const refused = toPartitionError(error, `${log.topic}-${partition}`, ctx.logger);
  if (produceChannel.hasSubscribers) {
    const event: ProduceEvent = { topic: log.topic, partition, bytes: 0, records: 0, errorCode: refused.errorCode };
    produceChannel.publish(event);
  }
  return failed(partition, refused);
}

/** `checking`: the batches' check made already (null: passed; a promise: under way), else made here. */
async function appendToLog(
  log: PartitionLog,
  partition: number,
  records: Buffer,
  topic: Topic,
  request: ProduceRequest,
  broker: BrokerContext,
  ctx: RequestContext,
  checking?: Promise<void> | null,
): Promise<ProducePartitionResult> {
  const { acks, timeoutMs } = request;
  const where = `${log.topic}-${partition}`;
  const turn = turns.take(log); // on arrival: this function runs synchronously up to its first await
  try {
    const pending =
      checking === undefined ? validateProducedBatches(records, topic.batchPolicy, broker.clock.now()) : checking;
    if (pending) await pending;
    const verifying = unverifiedTransactionalWrite(records, log.topic, partition, broker);
    const unverified = verifying instanceof Promise ? await verifying : verifying;
    if (unverified) return failed(partition, unverified);
    if (turn.previous) await turn.previous;
    // Storage resolves after the flush policy (fsync for flush=always, group-committed), which
    // satisfies acks=-1; acks=1 waits for the same (stricter than "written", never weaker).
    // One pass in storage: each batch's size against max.message.bytes, then its CRC. In cluster mode
    // every batch is stamped with the leader epoch it was accepted under (KIP-101: what truncation on a
    // leader change compares); on a single node the producer's partitionLeaderEpoch is kept as sent.
    const leaderEpoch = broker.cluster?.partition(log.topic, partition)?.leaderEpoch;
    // Cluster mode, acks=-1: refused before the append when the ISR is below min.insync.replicas.
    const replication = broker.cluster?.replication;
    if (replication && acks === -1) {
      const short = replication.notEnoughReplicas(log.topic, partition);
      if (short) return failed(partition, partitionError('NOT_ENOUGH_REPLICAS', short));
    }
    if (!stillVerifiedTransactionalWrite(records, log.topic, partition, broker))
      return failed(
        partition,
        partitionError(
          'CONCURRENT_TRANSACTIONS',
          `${where}: the producer's transaction ended in this partition while its batch was being verified; retry`,
        ),
      );
    const appending = log.append(records, { maxBatchBytes: topic.maxMessageBytes, leaderEpoch });
    turn.done();
    const result = await appending;
    if (replication) {
      // Followers' parked fetches wake now, not after the acks=-1 wait below (which needs them).
      broker.waiters.notify(log.topic, partition);
      replication.appended(log.topic, partition);
      // acks=-1 answers once the ISR holds every record of the append (the high watermark passed it).
      if (acks === -1) {
        const outcome = await replication.awaitCommitted(log.topic, partition, result.lastOffset + 1, timeoutMs);
        if (outcome === 'timed-out')
          return failed(
            partition,
            partitionError(
              'REQUEST_TIMED_OUT',
              `${where}: the in-sync replicas did not confirm offsets ${result.baseOffset}..${result.lastOffset} within ${timeoutMs} ms`,
            ),
          );
        if (outcome === 'not-leader')
          return failed(
            partition,
            partitionError(
              'NOT_LEADER_FOR_PARTITION',
              `${where}: this broker stopped leading before the in-sync replicas confirmed the records`,
            ),
          );
      }
    }
    return appended(log, partition, records, result);
  } catch (error) {
    return refusedAppend(log, partition, error, ctx);
  } finally {
    turn.done(); // refused before its append: the next produce's turn
    // Wake long polls even after a failure: harmless, and a partial append may have landed.
    broker.waiters.notify(log.topic, partition);
  }
}

function produceToTopic(
  topic: Topic,
  partitions: ProduceRequest['topics'][number]['partitions'],
  request: ProduceRequest,
  broker: BrokerContext,
  ctx: RequestContext,
) {
  return gather(
    partitions.map(({ partition, records }) => produceToPartition(topic, partition, records, request, broker, ctx)),
  );
}

function produceToPartition(
  topic: Topic,
  partition: number,
  records: Buffer,
  request: ProduceRequest,
  broker: BrokerContext,
  ctx: RequestContext,
): ProducePartitionResult | Promise<ProducePartitionResult> {
  const name = topic.name;
  const notLeader = notLeaderError(broker, name, partition);
  if (notLeader) return failed(partition, notLeader);
  const log = broker.topics.log(name, partition);
  if (!log) {
    return failed(
      partition,
      partitionError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `${name}-${partition} does not exist: topic "${name}" has ${topic.partitions} partition(s)`,
      ),
    );
  }
  return appendTo(log, partition, records, topic, request, broker, ctx);
}

/** A topic not known yet: auto-created if the broker allows it (TopicRegistry.ensure). */
async function produceToNewTopic(
  name: string,
  partitions: ProduceRequest['topics'][number]['partitions'],
  request: ProduceRequest,
  broker: BrokerContext,
  ctx: RequestContext,
) {
  let topic: Topic | undefined;
  try {
    if (mayCreateTopic(broker, ctx, name)) topic = await broker.topics.ensure(name);
  } catch (error) {
    const wire = wireErrorOf(error, name);
    if (!wire) throw error;
    return partitions.map((p) => failed(p.partition, wire));
  }
  if (!topic) {
    return partitions.map((p) =>
      failed(p.partition, partitionError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" does not exist`)),
    );
  }
  return produceToTopic(topic, partitions, request, broker, ctx);
}

/** Write on the topic is needed, and the broker's own topics (`__` names) take no client's records. */
function refusedWrite(name: string, broker: BrokerContext, ctx: RequestContext): PartitionError | null {
  if (isInternalTopicName(name))
    return partitionError(
      'INVALID_TOPIC_EXCEPTION',
      `topic "${name}" is internal to the broker: clients cannot write to it`,
    );
  return allowed(broker, ctx, 'Write', 'topic', name) ? null : denied('Write', 'topic', name, ctx);
}

function produceTopic(
  t: ProduceRequest['topics'][number],
  request: ProduceRequest,
  broker: BrokerContext,
  ctx: RequestContext,
): TopicResult | Promise<TopicResult> {
  const refused = refusedWrite(t.name, broker, ctx);
  if (refused) return { name: t.name, partitions: t.partitions.map((p) => failed(p.partition, refused)) };
  const existing = broker.topics.get(t.name);
  const results = existing
    ? produceToTopic(existing, t.partitions, request, broker, ctx)
    : produceToNewTopic(t.name, t.partitions, request, broker, ctx);
  return results instanceof Promise
    ? results.then((partitions) => ({ name: t.name, partitions }))
    : { name: t.name, partitions: results };
}

function respond(
  request: ProduceRequest,
  topics: TopicResult[],
  ctx: RequestContext,
): Answer<ProduceResponse> | typeof NO_RESPONSE {
  if (request.acks === 0) {
    for (const t of topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE)
          ctx.logger.warn(
            { topic: t.name, partition: p.partition, errorCode: p.errorCode, reason: p.errorMessage },
            'acks=0 produce failed',
          );
      }
    }
    return NO_RESPONSE;
  }
  return { topics };
}

/**
 * The usual request, one partition of a topic that exists: its answer built in one continuation of the
 * append (the general path wraps the partition's result, then the topic's, each in a promise of its own).
 */
function produceOnePartition(
  t: ProduceRequest['topics'][number],
  request: ProduceRequest,
  broker: BrokerContext,
  ctx: RequestContext,
): Answer<ProduceResponse> | typeof NO_RESPONSE | Promise<Answer<ProduceResponse> | typeof NO_RESPONSE> {
  const { partition, records } = t.partitions[0]!;
  const refused = refusedWrite(t.name, broker, ctx);
  const topic = refused ? undefined : broker.topics.get(t.name);
  const result = refused
    ? failed(partition, refused)
    : topic
      ? produceToPartition(topic, partition, records, request, broker, ctx)
      : null;
  if (result === null) return produceTopics(request, broker, ctx);
  if (!(result instanceof Promise)) return respond(request, [{ name: t.name, partitions: [result] }], ctx);
  return result.then((one) => respond(request, [{ name: t.name, partitions: [one] }], ctx));
}

function produceTopics(
  request: ProduceRequest,
  broker: BrokerContext,
  ctx: RequestContext,
): Answer<ProduceResponse> | typeof NO_RESPONSE | Promise<Answer<ProduceResponse> | typeof NO_RESPONSE> {
  const topics = gather(request.topics.map((t) => produceTopic(t, request, broker, ctx)));
  return topics instanceof Promise ? topics.then((all) => respond(request, all, ctx)) : respond(request, topics, ctx);
}

export const produceHandler = defineHandler(ProduceApi, (request, broker, ctx) => {
  const only = request.topics.length === 1 ? request.topics[0]! : undefined;
  if (only?.partitions.length === 1) return produceOnePartition(only, request, broker, ctx);
  return produceTopics(request, broker, ctx);
});
