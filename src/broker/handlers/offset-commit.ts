// OffsetCommit: generation-fenced for members, standalone (generationId -1) for Empty groups; per-partition errors.
import { OffsetCommitApi } from '../../protocol/index.js';
import { commitResponse } from './group-answers.js';
import { defineHandler } from './types.js';

export const offsetCommitHandler = defineHandler(OffsetCommitApi, (request, broker) =>
  broker.groups.commitOffsets(request).then(commitResponse),
);
