// OffsetCommit: generation-fenced for members, standalone (generationId -1) for Empty groups; per-partition errors.
import { OffsetCommitApi } from '../../protocol/index.js';
import { commitResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const offsetCommitHandler = defineHandler(OffsetCommitApi, (request, broker, ctx) =>
  groupsFor(broker, ctx).commitOffsets(request).then(commitResponse),
);
