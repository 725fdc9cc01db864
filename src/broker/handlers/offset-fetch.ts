// OffsetFetch: committed offsets with the partition's log end and the lag (log end − committed).
import { OffsetFetchApi } from '../../protocol/index.js';
import { offsetFetchResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const offsetFetchHandler = defineHandler(OffsetFetchApi, (request, broker, ctx) =>
  offsetFetchResponse(groupsFor(broker, ctx).fetchOffsets(request)),
);
