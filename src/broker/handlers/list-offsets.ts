// ListOffsets: earliest (-2) = log start, latest (-1) = the high watermark (log end, or the fsynced end under flush=always), or
// the first record whose timestamp is at or after the one asked, with that timestamp (-1/-1 when none;
// storage's offsetForTimestamp, to the record inside a batch as in Kafka). With
// isolationLevel 1 (read_committed) the bound is the last stable offset instead of the high watermark, as in
// Kafka: latest is where a read_committed consumer's log ends while a transaction is open.
import { notLeaderError } from '../cluster/leadership.js';
import {
  EARLIEST_TIMESTAMP,
  ErrorCode,
  LATEST_TIMESTAMP,
  ListOffsetsApi,
  type ListOffsetsPartitionResult,
} from '../../protocol/index.js';
import { highWatermark, lastStableOffset } from '../high-watermark.js';
import { partitionError, toPartitionError } from './storage-errors.js';
import { defineHandler, type BrokerContext, type RequestContext } from './types.js';
import { allowed, denied } from '../security/acl/authorize.js';

async function lookup(
  topic: string,
  partition: number,
  timestamp: number,
  readCommitted: boolean,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<ListOffsetsPartitionResult> {
  const where = `${topic}-${partition}`;
  const notLeader = notLeaderError(broker, topic, partition);
  if (notLeader) return { partition, ...notLeader, timestamp: -1, offset: -1 };
  const log = broker.topics.log(topic, partition) ?? broker.internalLog(topic, partition);
  if (!log) {
    return {
      partition,
      ...partitionError('UNKNOWN_TOPIC_OR_PARTITION', `${where} does not exist`),
      timestamp: -1,
      offset: -1,
    };
  }
  try {
    if (timestamp === EARLIEST_TIMESTAMP)
      return { partition, errorCode: ErrorCode.NONE, errorMessage: null, timestamp: -1, offset: log.logStartOffset };
    const hw = highWatermark(log);
    const visibleEnd = readCommitted ? lastStableOffset(log, hw) : hw;
    if (timestamp === LATEST_TIMESTAMP)
      return { partition, errorCode: ErrorCode.NONE, errorMessage: null, timestamp: -1, offset: visibleEnd };
    let found = await log.offsetForTimestamp(timestamp);
    // Like a fetch, a lookup never points at records consumers may not see yet.
    if (found && found.offset >= visibleEnd) found = null;
    return {
      partition,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      timestamp: found?.timestamp ?? -1,
      offset: found?.offset ?? -1,
    };
  } catch (error) {
    return { partition, ...toPartitionError(error, where, ctx.logger), timestamp: -1, offset: -1 };
  }
}

export const listOffsetsHandler = defineHandler(ListOffsetsApi, async (request, broker, ctx) => ({
  topics: await Promise.all(
    request.topics.map(async (t) => {
      if (!allowed(broker, ctx, 'Describe', 'topic', t.name)) {
        const refused = denied('Describe', 'topic', t.name, ctx);
        return {
          name: t.name,
          partitions: t.partitions.map((p) => ({ partition: p.partition, ...refused, timestamp: -1, offset: -1 })),
        };
      }
      return {
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map((p) => lookup(t.name, p.partition, p.timestamp, request.isolationLevel === 1, broker, ctx)),
        ),
      };
    }),
  ),
}));
