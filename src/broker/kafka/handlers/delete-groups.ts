// DeleteGroups (v0-1): an empty group's committed offsets are deleted (NON_EMPTY_GROUP while it has members).
import { DeleteGroups } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';

export const kafkaDeleteGroupsHandler = kafkaHandler(DeleteGroups, async (request, broker) => {
  const deleted = await broker.groups.deleteGroups({ groups: request.groupsNames });
  return {
    throttleTimeMs: 0,
    results: deleted.results.map((r) => ({ groupId: r.groupId, errorCode: groupErrorCode(r.error) })),
  };
});
