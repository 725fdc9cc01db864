// ListGroups (v0-2): every group the shared coordinator knows, whichever door its members came through.
import { ListGroups } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

export const kafkaListGroupsHandler = kafkaHandler(ListGroups, (_request, broker, ctx) => {
  const listed = groupsFor(broker, ctx).listGroups({ statesFilter: null });
  return {
    throttleTimeMs: 0,
    errorCode: groupErrorCode(listed.error),
    groups: listed.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })),
  };
});
