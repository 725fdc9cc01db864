// DeleteRecords: moves each named partition's log start to the given offset (-1 = the high watermark).
// Storage fsyncs, records the new log start in the partition checkpoint (so it survives a restart) and
// deletes the segments wholly below it; fetches below it then get OFFSET_OUT_OF_RANGE and ListOffsets'
// earliest answers it. Every partition is answered on its own: a bad one never fails its neighbours.
import {
  DELETE_TO_HIGH_WATERMARK,
  DeleteRecordsApi,
  type DeleteRecordsPartitionResult,
  ErrorCode,
} from '../../protocol/index.js';
import { highWatermark } from '../high-watermark.js';
import { partitionError, toPartitionError } from './storage-errors.js';
import { type BrokerContext, defineHandler, type RequestContext } from './types.js';
import { allowed, denied } from '../security/acl/authorize.js';

async function deleteBefore(
  topic: string,
  partition: number,
  offset: number,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<DeleteRecordsPartitionResult> {
  const where = `${topic}-${partition}`;
  const log = broker.topics.log(topic, partition);
  if (!log)
    return { partition, ...partitionError('UNKNOWN_TOPIC_OR_PARTITION', `${where} does not exist`), lowWatermark: -1 };
  const high = highWatermark(log);
  const target = offset === DELETE_TO_HIGH_WATERMARK ? high : offset;
  if (target < 0 || target > high) {
    return {
      partition,
      ...partitionError(
        'OFFSET_OUT_OF_RANGE',
        `cannot delete records of ${where} below offset ${offset}: give an offset from ${log.logStartOffset} to the high watermark ${high}, or -1 for all`,
      ),
      lowWatermark: -1,
    };
  }
  try {
    const before = log.logStartOffset;
    await log.deleteRecordsBefore(target);
    if (log.logStartOffset !== before)
      ctx.logger.info({ partition: where, from: before, to: log.logStartOffset }, 'deleted records');
    return { partition, errorCode: ErrorCode.NONE, errorMessage: null, lowWatermark: log.logStartOffset };
  } catch (error) {
    return { partition, ...toPartitionError(error, where, ctx.logger), lowWatermark: -1 };
  }
}

export const deleteRecordsHandler = defineHandler(DeleteRecordsApi, async (request, broker, ctx) => ({
  topics: await Promise.all(
    request.topics.map(async (t) => {
      if (!allowed(broker, ctx, 'Delete', 'topic', t.name)) {
        const refused = denied('Delete', 'topic', t.name, ctx);
        return {
          name: t.name,
          partitions: t.partitions.map((p) => ({ partition: p.partition, ...refused, lowWatermark: -1 })),
        };
      }
      return {
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map((p) => deleteBefore(t.name, p.partition, p.offset, broker, ctx)),
        ),
      };
    }),
  ),
}));
