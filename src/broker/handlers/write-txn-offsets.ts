// WriteTxnOffsets (native key 1171, broker to broker): another broker's transaction coordinator hands a
// committed transaction's offsets to this broker's group coordinator (it leads `__consumer_offsets`;
// NOT_COORDINATOR otherwise, and the sender looks again). Answered once they are replicated. Needs
// ClusterAction with authorization on.
import { ErrorCode, WriteTxnOffsetsApi } from '../../protocol/index.js';
import { GroupError } from '../groups/errors.js';
import { allowedOnCluster, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { groupWireError } from './domain-errors.js';
import { defineHandler } from './types.js';

export const writeTxnOffsetsHandler = defineHandler(WriteTxnOffsetsApi, async (request, broker, ctx) => {
  if (!allowedOnCluster(broker, ctx, 'ClusterAction')) return denied('ClusterAction', 'cluster', CLUSTER_NAME, ctx);
  const entries = request.topics.flatMap((t) =>
    t.partitions.map((p) => ({ topic: t.name, partition: p.partition, offset: p.offset, metadata: p.metadata })),
  );
  try {
    await broker.groups.commitTransactionOffsets(request.groupId, entries);
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    if (error instanceof GroupError) return groupWireError(error);
    ctx.logger.error({ err: error, groupId: request.groupId }, 'cannot store a committed transaction offsets');
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (error as Error).message };
  }
});
