// DeleteRecords (v0-1): moves a partition's log start forward (the native door's handlers/delete-records.ts);
// offset -1 means the high watermark. The answer's low watermark is the new log start.
import { DeleteRecords } from '../../../protocol/kafka/index.js';
import { deleteRecordsHandler } from '../../handlers/delete-records.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaDeleteRecordsHandler = kafkaHandler(DeleteRecords, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    deleteRecordsHandler,
    {
      timeoutMs: request.timeoutMs,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, offset: p.offset })),
      })),
    },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    topics: native.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        lowWatermark: p.lowWatermark,
        errorCode: p.errorCode,
      })),
    })),
  };
});
