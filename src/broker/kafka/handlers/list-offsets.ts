// ListOffsets (v0-3): earliest (-2) = log start, latest (-1) = high watermark, else the first record whose
// timestamp is at or after the one asked, with that timestamp (-1 when none), all from the native door's lookups
// (handlers/list-offsets.ts). v0 answers in its old shape: an array holding that one offset (Sluice
// ignores maxNumOffsets, as Kafka does for anything but the segment-boundary listing of old clients).
import { ErrorCode } from '../../../protocol/index.js';
import { ListOffsets } from '../../../protocol/kafka/index.js';
import { listOffsetsHandler } from '../../handlers/list-offsets.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaListOffsetsHandler = kafkaHandler(ListOffsets, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    listOffsetsHandler,
    {
      isolationLevel: request.isolationLevel,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, timestamp: p.timestamp })),
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
        errorCode: p.errorCode,
        ...(ctx.version === 0
          ? { oldStyleOffsets: p.errorCode === ErrorCode.NONE && p.offset >= 0 ? [p.offset] : [] }
          : { timestamp: p.timestamp, offset: p.offset }),
      })),
    })),
  };
});
