// Fetch (v4-11, sessionless): served by the native door's fetch (fetch/handler.ts): whole batches from
// the batch holding fetchOffset, long poll woken by appends (maxWaitMs, minBytes), partition and response
// byte limits, the memory budget and read-ahead. The record bytes go to the socket as storage returned
// them. isolation_level read_committed (1) reads up to the last stable offset and gets the aborted
// transactions overlapping what it read (the client drops their batches). Incremental fetch sessions (KIP-227)
// are not kept: the answer's session id is 0, which tells a client to send full fetches (as kafkajs and
// librdkafka 2.0.2 do anyway); forgotten topics are ignored.
import { Fetch } from '../../../protocol/kafka/index.js';
import { fetchHandler } from '../../fetch/handler.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

/** The native door's bound on a long poll (Kafka has none; a client's own timeout is far below it). */
const MAX_WAIT_LIMIT_MS = 10 * 60_000;

export const kafkaFetchHandler = kafkaHandler(Fetch, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    fetchHandler,
    {
      maxWaitMs: Math.min(Math.max(0, request.maxWaitMs), MAX_WAIT_LIMIT_MS),
      minBytes: Math.max(0, request.minBytes),
      maxBytes: Math.max(1, request.maxBytes),
      isolationLevel: request.isolationLevel === 1 ? 1 : 0,
      topics: request.topics.map((t) => ({
        name: t.topic,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: Math.max(1, p.partitionMaxBytes),
        })),
      })),
    },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    errorCode: native.errorCode,
    sessionId: 0,
    responses: native.topics.map((t) => ({
      topic: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        errorCode: p.errorCode,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        logStartOffset: p.logStartOffset,
        abortedTransactions: p.abortedTransactions ?? [],
        preferredReadReplica: -1,
        records: p.records,
      })),
    })),
  };
});
