// Produce: one storage append per partition per request, partitions appended concurrently. The record
// bytes are the request frame's tail (zero-copy views); storage walks the batch headers once, refusing a
// batch over the topic's max.message.bytes before its CRC, then validates CRCs and patches base offsets.
//
// acks=0 → no response frame; acks=1 and acks=-1 → answer once storage's append resolved, i.e. after
// the topic's flush policy (fsync for flush=always, group-committed across concurrent produces).
import type { PartitionLog } from '../../../storage/index.js';
import { ErrorCode, ProduceApi, ProtocolError, type ProducePartitionResult, type ProduceResponse } from '../../protocol/index.js';
import type { Topic } from '../topics.js';
import { partitionError, toPartitionError, type PartitionError } from './storage-errors.js';
import { defineHandler, NO_RESPONSE, type BrokerContext, type RequestContext } from './types.js';

function failed(partition: number, error: PartitionError): ProducePartitionResult {
  return { partition, ...error, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 };
}

async function appendTo(
  log: PartitionLog,
  partition: number,
  records: Buffer,
  maxBatchBytes: number,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<ProducePartitionResult> {
  const where = `${log.topic}-${partition}`;
  try {
    // Storage resolves after the flush policy (fsync for flush=always, group-committed), which
    // satisfies acks=-1; acks=1 waits for the same (stricter than "written", never weaker).
    // One pass in storage: each batch's size against max.message.bytes, then its CRC (no record decoding).
    const result = await log.append(records, { maxBatchBytes });
    return {
      partition,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: result.baseOffset,
      logAppendTime: -1,
      logStartOffset: log.logStartOffset,
    };
  } catch (error) {
    return failed(partition, toPartitionError(error, where, ctx.logger));
  } finally {
    // Wake long polls even after a failure: harmless, and a partial append may have landed.
    broker.waiters.notify(log.topic, partition);
  }
}

async function produceTopic(
  name: string,
  partitions: Array<{ partition: number; records: Buffer }>,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<ProducePartitionResult[]> {
  let topic: Topic | undefined;
  try {
    topic = await broker.topics.ensure(name);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return partitions.map((p) => failed(p.partition, { errorCode: error.code, errorMessage: error.message }));
  }
  if (!topic) {
    return partitions.map((p) => failed(p.partition, partitionError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" does not exist`)));
  }
  const t = topic;
  return Promise.all(
    partitions.map(async ({ partition, records }) => {
      const where = `${name}-${partition}`;
      const log = broker.topics.log(name, partition);
      if (!log) {
        return failed(partition, partitionError('UNKNOWN_TOPIC_OR_PARTITION', `${where} does not exist: topic "${name}" has ${t.partitions} partition(s)`));
      }
      return appendTo(log, partition, records, t.maxMessageBytes, broker, ctx);
    }),
  );
}

export const produceHandler = defineHandler(ProduceApi, async (request, broker, ctx) => {
  const topics: ProduceResponse['topics'] = await Promise.all(
    request.topics.map(async (t) => ({ name: t.name, partitions: await produceTopic(t.name, t.partitions, broker, ctx) })),
  );
  if (request.acks === 0) {
    for (const t of topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) ctx.logger.warn({ topic: t.name, partition: p.partition, errorCode: p.errorCode, reason: p.errorMessage }, 'acks=0 produce failed');
      }
    }
    return NO_RESPONSE;
  }
  return { topics, throttleTimeMs: 0 };
});
