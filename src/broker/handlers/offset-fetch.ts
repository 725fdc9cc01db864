// OffsetFetch: committed offsets with the partition's log end and the lag (log end − committed). With
// requireStable (v1; the SDK's read_committed consumers ask it, KIP-447), a partition whose offset a transaction
// not ended yet commits is answered UNSTABLE_OFFSET_COMMIT with no offset: the consumer asks again until the
// transaction ends, and then starts where it left the group, not before it. Where this broker cannot tell
// (cluster mode, another broker coordinating transactions) the offsets are answered as without it.
import { ErrorCode, OffsetFetchApi } from '../../protocol/index.js';
import { partitionKey } from '../partition-key.js';
import { offsetFetchResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const offsetFetchHandler = defineHandler(OffsetFetchApi, (request, broker, ctx) => {
  const fetched = groupsFor(broker, ctx).fetchOffsets(request);
  const response = offsetFetchResponse(fetched);
  const unstable =
    request.requireStable && fetched.error === null
      ? broker.transactions.pendingOffsetPartitions(request.groupId)
      : null;
  if (!unstable || unstable.size === 0) return response;
  return {
    ...response,
    topics: response.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) =>
        p.errorCode === ErrorCode.NONE && unstable.has(partitionKey(t.name, p.partition))
          ? { ...p, offset: -1, metadata: null, lag: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
          : p,
      ),
    })),
  };
});
