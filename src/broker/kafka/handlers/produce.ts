// Produce (v3-7, RecordBatch v2 only): the record batches are appended exactly as the native door appends
// them (handlers/produce.ts: batch policy checks, idempotent sequence checks against the producer state
// both doors share, one storage append per partition, the flush policy before the answer), and stored as
// the bytes the client sent. acks=0 gets no response. A transactional produce (a transactional id) needs
// Write on that id (Kafka's rule); its batches carry the transactional bit and go through the same append.
import { ErrorCode } from '../../../protocol/index.js';
import { Produce, type RequestOf } from '../../../protocol/kafka/index.js';
import type { Acks } from '../../../protocol/index.js';
import { produceHandler } from '../../handlers/produce.js';
import { NO_RESPONSE } from '../../handlers/types.js';
import { kafkaHandler } from '../handler.js';
import { transactionalIdRefusal } from '../../handlers/txn-errors.js';

type Request = RequestOf<typeof Produce>;

function refusedAll(request: Request, errorCode: number, errorMessage: string) {
  return {
    throttleTimeMs: 0,
    responses: request.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode, baseOffset: -1, errorMessage })),
    })),
  };
}

export const kafkaProduceHandler = kafkaHandler(Produce, async (request, broker, ctx) => {
  const { acks } = request;
  if (acks !== 0 && acks !== 1 && acks !== -1)
    return refusedAll(request, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${acks}`);
  if (request.transactionalId !== null) {
    const refused = transactionalIdRefusal(broker, ctx, request.transactionalId);
    if (refused) return refusedAll(request, refused.errorCode, refused.errorMessage ?? 'not authorized');
  }
  const native = await produceHandler.handle(
    {
      acks: acks as Acks,
      timeoutMs: request.timeoutMs,
      topics: request.topicData.map((t) => ({
        name: t.name,
        partitions: t.partitionData.map((p) => ({ partition: p.index, records: p.records ?? Buffer.alloc(0) })),
      })),
    },
    broker,
    ctx,
  );
  if (native === NO_RESPONSE) return NO_RESPONSE;
  return {
    throttleTimeMs: 0,
    responses: native.topics.map((t) => ({
      name: t.name,
      partitionResponses: t.partitions.map((p) => ({
        index: p.partition,
        errorCode: p.errorCode,
        baseOffset: p.baseOffset,
        logAppendTimeMs: p.logAppendTime,
        logStartOffset: p.logStartOffset,
        errorMessage: p.errorMessage,
      })),
    })),
  };
});
