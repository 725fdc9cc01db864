// DeleteGroups (v0-1): an empty group's committed offsets are deleted (NON_EMPTY_GROUP while it has members).
import { DeleteGroups } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

export const kafkaDeleteGroupsHandler = kafkaHandler(DeleteGroups, async (request, broker, ctx) => {
  const deleted = await groupsFor(broker, ctx).deleteGroups({ groups: request.groupsNames });
  return {
    throttleTimeMs: 0,
    results: deleted.results.map((r) => ({ groupId: r.groupId, errorCode: groupErrorCode(r.error) })),
  };
});
