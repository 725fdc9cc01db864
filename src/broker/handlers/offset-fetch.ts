// OffsetFetch: committed offsets with the partition's log end and the lag (log end − committed). With
// requireStable (v1; the SDK's read_committed consumers ask it), offsets a transaction not ended yet commits are
// held back (stable-offsets.ts).
import { OffsetFetchApi } from '../../protocol/index.js';
import { offsetFetchResponse } from './group-answers.js';
import { stableOffsets } from './stable-offsets.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const offsetFetchHandler = defineHandler(OffsetFetchApi, (request, broker, ctx) => {
  const fetched = groupsFor(broker, ctx).fetchOffsets(request);
  return offsetFetchResponse(request.requireStable ? stableOffsets(fetched, request.groupId, broker) : fetched);
});
